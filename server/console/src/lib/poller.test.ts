import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { visiblePoller } from './poller';

function fakeDoc(state: DocumentVisibilityState = 'visible') {
  const target = new EventTarget();
  const doc = Object.assign(target, { visibilityState: state }) as unknown as Document & {
    visibilityState: DocumentVisibilityState;
  };
  const set = (s: DocumentVisibilityState) => {
    (doc as { visibilityState: DocumentVisibilityState }).visibilityState = s;
    target.dispatchEvent(new Event('visibilitychange'));
  };
  return { doc, set };
}

describe('visiblePoller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs at once, then every interval', async () => {
    const task = vi.fn(() => Promise.resolve());
    const { doc } = fakeDoc();
    const p = visiblePoller(task, 30_000, doc);
    p.start();
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(task).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(task).toHaveBeenCalledTimes(4);
    p.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(task).toHaveBeenCalledTimes(4);
  });

  it('pauses while hidden and catches up when shown', async () => {
    const task = vi.fn(() => Promise.resolve());
    const { doc, set } = fakeDoc();
    const p = visiblePoller(task, 30_000, doc);
    p.start();
    set('hidden');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(task).toHaveBeenCalledTimes(1);
    set('visible');
    expect(task).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(task).toHaveBeenCalledTimes(3);
    p.stop();
  });

  it('does not start polling in a hidden page', async () => {
    const task = vi.fn(() => Promise.resolve());
    const { doc, set } = fakeDoc('hidden');
    const p = visiblePoller(task, 1000, doc);
    p.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(task).not.toHaveBeenCalled();
    set('visible');
    expect(task).toHaveBeenCalledTimes(1);
    p.stop();
    set('hidden');
    set('visible');
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('never overlaps runs, and survives a failing task', async () => {
    let release: () => void = () => undefined;
    const task = vi.fn(() => new Promise<void>((r) => (release = r)));
    const { doc } = fakeDoc();
    const p = visiblePoller(task, 1000, doc);
    p.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(task).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(2);
    p.stop();

    const failing = vi.fn(() => Promise.reject(new Error('offline')));
    const q = visiblePoller(failing, 1000, doc);
    q.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(failing).toHaveBeenCalledTimes(3);
    await expect(q.poke()).resolves.toBeUndefined();
    q.stop();
  });
});
