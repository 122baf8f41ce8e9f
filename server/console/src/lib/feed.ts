// The board's live feed: conditional polling of GET /v1/board (issue 17: a
// change shows on every open board within 5 s; civetweb holds a thread per
// connection, so no long-lived requests).
//
// The first answer is a snapshot with a cursor; every 2 s after that the
// feed asks for what changed since the cursor, with If-None-Match, so an
// unchanged board costs a 304 and no body. A 410 (the cursor is older than
// the server keeps changes) takes a new snapshot. While the tab is hidden the
// feed stops, and asks at once when it is shown again. A failure is retried
// with a growing pause and the board says it is reconnecting.
import type { BoardDelta, BoardRow } from './board';

export interface FeedBody extends BoardDelta {
  items: BoardRow[];
  cursor: string;
  server_time?: string;
}

export type FeedAnswer =
  | { status: 200; body: FeedBody; etag?: string | null }
  | { status: 304 }
  | { status: 410 };

/* Asks the server: since = null for a snapshot; etag for If-None-Match. A
 * thrown error is a failed poll (network, 5xx, ...). */
export type FeedFetch = (since: string | null, etag: string | null) => Promise<FeedAnswer>;

export type FeedState = 'connecting' | 'live' | 'reconnecting' | 'paused';

export interface FeedHandlers {
  snapshot(body: FeedBody, receivedAt: number): void;
  delta(body: FeedBody, receivedAt: number): void;
  state(s: FeedState): void;
  /* Each failed poll (the page may show it once, not every 2 s). */
  failed?(e: unknown): void;
}

export interface VisibilitySource {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', fn: () => void): void;
  removeEventListener(type: 'visibilitychange', fn: () => void): void;
}

export interface FeedOptions {
  intervalMs?: number;
  maxBackoffMs?: number;
  visibility?: VisibilitySource;
  now?: () => number;
}

export class BoardFeed {
  private cursor: string | null = null;
  private etag: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private inFlight = false;
  private generation = 0;
  private failures = 0;
  private current: FeedState = 'connecting';
  private readonly interval: number;
  private readonly maxBackoff: number;
  private readonly visibility: VisibilitySource | undefined;
  private readonly now: () => number;
  private readonly onVisibility = () => this.visibilityChanged();

  constructor(
    private readonly fetcher: FeedFetch,
    private readonly handlers: FeedHandlers,
    opts: FeedOptions = {},
  ) {
    this.interval = opts.intervalMs ?? 2000;
    this.maxBackoff = opts.maxBackoffMs ?? 15000;
    this.visibility = opts.visibility ?? (typeof document !== 'undefined' ? document : undefined);
    this.now = opts.now ?? (() => Date.now());
  }

  get state(): FeedState {
    return this.current;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.visibility?.addEventListener('visibilitychange', this.onVisibility);
    if (this.hidden()) this.setState('paused');
    else void this.poll();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight = false;
    this.visibility?.removeEventListener('visibilitychange', this.onVisibility);
  }

  /* Start over with a snapshot (another centre chosen, for example). */
  reset(): void {
    this.cursor = null;
    this.etag = null;
    this.generation++;
    this.inFlight = false;
    clearTimeout(this.timer);
    this.setState('connecting');
    if (this.running && !this.hidden()) void this.poll();
  }

  /* Ask now rather than at the next tick (after this page changed a ticket). */
  pollNow(): void {
    if (!this.running || this.hidden() || this.inFlight) return;
    clearTimeout(this.timer);
    void this.poll();
  }

  private hidden(): boolean {
    return this.visibility?.visibilityState === 'hidden';
  }

  private visibilityChanged(): void {
    if (!this.running) return;
    if (this.hidden()) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.generation++; // an answer arriving while hidden is dropped
      this.inFlight = false;
      this.setState('paused');
    } else {
      this.setState(this.cursor ? 'live' : 'connecting');
      void this.poll();
    }
  }

  private setState(s: FeedState): void {
    if (s === this.current) return;
    this.current = s;
    this.handlers.state(s);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.running || this.hidden()) return;
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    if (!this.running || this.inFlight) return;
    this.inFlight = true;
    const gen = this.generation;
    const since = this.cursor;
    try {
      const answer = await this.fetcher(since, since ? this.etag : null);
      if (gen !== this.generation) return;
      const receivedAt = this.now();
      if (answer.status === 410) {
        this.cursor = null;
        this.etag = null;
        this.inFlight = false;
        void this.poll();
        return;
      }
      if (answer.status === 200) {
        // A full answer replaces the board whatever was asked.
        if (since === null || answer.body.full) this.handlers.snapshot(answer.body, receivedAt);
        else this.handlers.delta(answer.body, receivedAt);
        this.cursor = answer.body.cursor;
        this.etag = answer.etag ?? `"${answer.body.cursor}"`;
      }
      this.failures = 0;
      this.setState('live');
      this.inFlight = false;
      this.schedule(this.interval);
    } catch (e) {
      if (gen !== this.generation) return;
      this.failures++;
      this.inFlight = false;
      this.setState('reconnecting');
      this.handlers.failed?.(e);
      this.schedule(Math.min(this.maxBackoff, this.interval * 2 ** Math.min(this.failures - 1, 4)));
    }
  }
}
