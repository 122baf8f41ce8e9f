import { describe, expect, it, vi } from 'vitest';
import type { Page } from './pager';
import { useMoreList, usePagedList } from './usePagedList';

// errors.ts pulls in Element Plus's message css, which node cannot load.
const shown: unknown[] = [];
vi.mock('./errors', () => ({
  errorText: (e: unknown) => (e instanceof Error ? e.message : String(e)),
  showError: (e: unknown) => shown.push(e),
}));

const pages: Record<string, Page<number>> = {
  start: { items: [1, 2], next_cursor: 'c2' },
  c2: { items: [3], next_cursor: null },
};

describe('usePagedList', () => {
  it('pages through the list, busy while a step runs', async () => {
    const { pager, busy, error, run } = usePagedList(async (c) => pages[c ?? 'start']!);
    const step = run(() => pager.first());
    expect(busy.value).toBe(true);
    await step;
    expect([busy.value, error.value, pager.items, pager.hasNext]).toEqual([false, '', [1, 2], true]);
    await run(() => pager.forward());
    expect([pager.items, pager.pageNumber, pager.hasNext]).toEqual([[3], 2, false]);
  });

  it('keeps the error of a failed step as text and clears it on the next', async () => {
    let fail = true;
    const { pager, busy, error, run } = usePagedList<number>(async () => {
      if (fail) throw new Error('boom');
      return pages.start!;
    });
    await run(() => pager.first());
    expect([busy.value, error.value]).toEqual([false, 'boom']);
    fail = false;
    await run(() => pager.first());
    expect([error.value, pager.items]).toEqual(['', [1, 2]]);
  });
});

describe('useMoreList', () => {
  it('loads the first page, appends the next, and starts over', async () => {
    const seen: (string | undefined)[] = [];
    const list = useMoreList<number>(async (c) => {
      seen.push(c);
      return pages[c ?? 'start']!;
    });
    expect(list.loaded.value).toBe(false);
    await list.load();
    expect([list.items.value, list.cursor.value, list.loaded.value]).toEqual([[1, 2], 'c2', true]);
    await list.load(true);
    expect([list.items.value, list.cursor.value, list.loading.value]).toEqual([[1, 2, 3], null, false]);
    await list.load();
    expect(list.items.value).toEqual([1, 2]);
    expect(seen).toEqual([undefined, 'c2', undefined]);
  });

  it('shows a failed load and keeps what it had', async () => {
    const list = useMoreList<number>(async (c) => {
      if (c) throw new Error('gone');
      return pages.start!;
    });
    await list.load();
    await list.load(true);
    expect([list.items.value, list.cursor.value, list.loading.value]).toEqual([[1, 2], 'c2', false]);
    expect(shown).toHaveLength(1);
  });
});
