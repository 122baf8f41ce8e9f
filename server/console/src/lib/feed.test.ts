import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BoardFeed, type FeedAnswer, type FeedBody, type FeedState, type VisibilitySource } from './feed';

class FakeDoc implements VisibilitySource {
  visibilityState = 'visible';
  private fns = new Set<() => void>();
  addEventListener(_: 'visibilitychange', fn: () => void) {
    this.fns.add(fn);
  }
  removeEventListener(_: 'visibilitychange', fn: () => void) {
    this.fns.delete(fn);
  }
  set(state: 'visible' | 'hidden') {
    this.visibilityState = state;
    for (const fn of this.fns) fn();
  }
}

const body = (cursor: string, ids: number[] = []): FeedBody => ({
  cursor,
  server_time: '2026-12-08T00:00:00Z',
  items: ids.map((id) => ({ id }) as FeedBody['items'][number]),
});

function setup(answers: (since: string | null, etag: string | null) => FeedAnswer | Promise<FeedAnswer>) {
  const calls: [string | null, string | null][] = [];
  const states: FeedState[] = [];
  const snapshots: string[] = [];
  const deltas: string[] = [];
  const failures: unknown[] = [];
  const doc = new FakeDoc();
  const feed = new BoardFeed(
    async (since, etag) => {
      calls.push([since, etag]);
      return answers(since, etag);
    },
    {
      snapshot: (b) => snapshots.push(b.cursor),
      delta: (b) => deltas.push(b.cursor),
      state: (s) => states.push(s),
      failed: (e) => failures.push(e),
    },
    { intervalMs: 2000, maxBackoffMs: 8000, visibility: doc },
  );
  return { feed, calls, states, snapshots, deltas, failures, doc };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('the board feed', () => {
  it('takes a snapshot, then polls every 2 s with the cursor and If-None-Match', async () => {
    let n = 0;
    const s = setup((since) => {
      if (!since) return { status: 200, body: body('c1', [1, 2]), etag: '"c1"' };
      n++;
      return n === 2 ? { status: 200, body: body('c2', [2]), etag: '"c2"' } : { status: 304 };
    });
    s.feed.start();
    await flush();
    expect(s.snapshots).toEqual(['c1']);
    expect(s.states).toEqual(['live']);
    await vi.advanceTimersByTimeAsync(1999);
    expect(s.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.calls[1]).toEqual(['c1', '"c1"']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.deltas).toEqual(['c2']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.calls[3]).toEqual(['c2', '"c2"']);
    s.feed.stop();
  });

  it('takes a new snapshot at once when the cursor is gone (410)', async () => {
    let gone = true;
    const s = setup((since) => {
      if (!since) return { status: 200, body: body(gone ? 'old' : 'new'), etag: null };
      if (gone) {
        gone = false;
        return { status: 410 };
      }
      return { status: 304 };
    });
    s.feed.start();
    await flush();
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.snapshots).toEqual(['old', 'new']);
    // Without an ETag header the cursor itself is the entity tag.
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.calls.at(-1)).toEqual(['new', '"new"']);
    s.feed.stop();
  });

  it('replaces the board when an answer to since says it is full', async () => {
    const s = setup((since) =>
      since ? { status: 200, body: { ...body('c2', [5]), full: true }, etag: '"c2"' } : { status: 200, body: body('c1', [1]), etag: '"c1"' },
    );
    s.feed.start();
    await flush();
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.snapshots).toEqual(['c1', 'c2']);
    expect(s.deltas).toEqual([]);
    s.feed.stop();
  });

  it('says it is reconnecting, backs off, and is live again after a success', async () => {
    let fail = 0;
    const s = setup((since) => {
      if (!since) return { status: 200, body: body('c1'), etag: '"c1"' };
      if (fail < 3) {
        fail++;
        throw new Error('network');
      }
      return { status: 304 };
    });
    s.feed.start();
    await flush();
    await vi.advanceTimersByTimeAsync(2000); // fails: retry in 2 s
    expect(s.states).toEqual(['live', 'reconnecting']);
    await vi.advanceTimersByTimeAsync(2000); // fails: retry in 4 s
    await vi.advanceTimersByTimeAsync(3999);
    expect(s.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1); // fails: retry in 8 s
    expect(s.calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(8000); // succeeds
    expect(s.states).toEqual(['live', 'reconnecting', 'live']);
    expect(s.failures).toHaveLength(3);
    s.feed.stop();
  });

  it('stops while the tab is hidden and asks at once when shown', async () => {
    const s = setup((since) => (since ? { status: 304 } : { status: 200, body: body('c1'), etag: '"c1"' }));
    s.feed.start();
    await flush();
    s.doc.set('hidden');
    expect(s.states.at(-1)).toBe('paused');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.calls).toHaveLength(1);
    s.doc.set('visible');
    await flush();
    expect(s.calls).toHaveLength(2);
    expect(s.states.at(-1)).toBe('live');
    s.feed.stop();
  });

  it('starts paused in a hidden tab', async () => {
    const s = setup(() => ({ status: 200, body: body('c1') }));
    s.doc.visibilityState = 'hidden';
    s.feed.start();
    await flush();
    expect(s.calls).toHaveLength(0);
    expect(s.states).toEqual(['paused']);
    s.feed.stop();
  });

  it('drops an answer that arrives after a reset, and snapshots again', async () => {
    let release: (a: FeedAnswer) => void = () => {};
    let first = true;
    const s = setup((since) => {
      if (since) return { status: 304 };
      if (first) {
        first = false;
        return new Promise<FeedAnswer>((r) => (release = r));
      }
      return { status: 200, body: body('fresh'), etag: null };
    });
    s.feed.start();
    await flush();
    s.feed.reset();
    await flush();
    release({ status: 200, body: body('stale'), etag: null });
    await flush();
    expect(s.snapshots).toEqual(['fresh']);
    s.feed.stop();
  });

  it('polls at once on request, and never twice at the same time', async () => {
    const s = setup((since) => (since ? { status: 304 } : { status: 200, body: body('c1'), etag: '"c1"' }));
    s.feed.start();
    await flush();
    s.feed.pollNow();
    s.feed.pollNow();
    await flush();
    expect(s.calls).toHaveLength(2);
    s.feed.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.calls).toHaveLength(2);
  });
});
