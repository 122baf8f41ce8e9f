import { describe, expect, it } from 'vitest';
import { CursorPager, fetchAll, type Page } from './pager';

const pages: Record<string, Page<number>> = {
  start: { items: [1, 2], next_cursor: 'c2' },
  c2: { items: [3, 4], next_cursor: 'c3' },
  c3: { items: [5], next_cursor: null },
};
const fetchPage = async (c: string | null) => pages[c ?? 'start']!;

describe('CursorPager', () => {
  it('goes forward and back by the cursors it saw', async () => {
    const p = new CursorPager(fetchPage);
    await p.first();
    expect([p.items, p.pageNumber, p.hasPrevious, p.hasNext]).toEqual([[1, 2], 1, false, true]);
    await p.forward();
    await p.forward();
    expect([p.items, p.pageNumber, p.hasNext]).toEqual([[5], 3, false]);
    await p.forward(); // nothing further
    expect(p.items).toEqual([5]);
    await p.back();
    expect([p.items, p.pageNumber]).toEqual([[3, 4], 2]);
    await p.first();
    expect([p.items, p.pageNumber]).toEqual([[1, 2], 1]);
  });
});

describe('fetchAll', () => {
  it('follows next_cursor to the end, within a bound', async () => {
    expect(await fetchAll(fetchPage)).toEqual([1, 2, 3, 4, 5]);
    expect(await fetchAll(fetchPage, 2)).toEqual([1, 2, 3, 4]);
  });
});
