// The SLA clock a dispatcher watches, ticking in the browser between polls.
//
// The server decides the deadlines (business calendar, pauses); the clock
// only counts down to them. The share of a target's time used is the one the
// escalation job warns on (server/domain/escalation.c): (now - created) /
// (due - created), wall-clock, so the browser recomputes it exactly from the
// row's due and start times and the server's clock offset. While the ticket
// waits on the customer the clock stands still at what the server said.

export type SlaTarget = 'response' | 'arrival' | 'resolution';

/* A row's clock as the API gives it (GET /v1/board: BoardTicket.clock).
 * seconds_left and percent are as of the answer's server_time. */
export interface SlaClock {
  target: SlaTarget | null;
  due_at: string | null;
  seconds_left: number | null;
  percent: number | null;
  warning_percent: number; // the highest configured warning share reached: 0, 50, 80, 100
  next_warning_at?: string | null;
  escalation_level: number; // 0..3
  paused: boolean;
}

/* How urgent a clock is: each has its own colour AND its own icon and words,
 * so the level never rests on colour alone. */
export type SlaLevel = 'ok' | 'warn1' | 'warn2' | 'overdue' | 'paused' | 'none';

export interface ClockView {
  target: SlaTarget | null;
  secondsLeft: number | null;
  percent: number | null;
  level: SlaLevel;
  /* The warning threshold reached (50, 80, 100) or 0: for the words. */
  threshold: number;
  escalation: number;
}

/* The configured warning shares (GET /v1/escalation/levels: warnings[].percent),
 * ascending. The last one (100) is the deadline itself. */
export const DEFAULT_WARNINGS: readonly number[] = [50, 80, 100];

export function normaliseWarnings(percents: readonly number[] | undefined): number[] {
  const list = [...new Set((percents ?? []).filter((p) => Number.isFinite(p) && p > 0))].sort((a, b) => a - b);
  return list.length ? list : [...DEFAULT_WARNINGS];
}

/* The level of a clock that has used `percent` of its time. 100 % or more is
 * overdue whatever is configured (the deadline has passed); below, the first
 * configured warning is "warn1" (amber), any later one "warn2" (orange). */
export function levelOf(percent: number | null, warnings: readonly number[] = DEFAULT_WARNINGS): { level: SlaLevel; threshold: number } {
  if (percent === null || !Number.isFinite(percent)) return { level: 'none', threshold: 0 };
  if (percent >= 100) return { level: 'overdue', threshold: 100 };
  const below = warnings.filter((w) => w < 100);
  let reached = -1;
  below.forEach((w, i) => {
    if (percent >= w) reached = i;
  });
  if (reached < 0) return { level: 'ok', threshold: 0 };
  return { level: reached === 0 ? 'warn1' : 'warn2', threshold: below[reached] ?? 0 };
}

const RANK: Record<SlaLevel, number> = { none: 0, paused: 1, ok: 2, warn1: 3, warn2: 4, overdue: 5 };

export function levelRank(level: SlaLevel): number {
  return RANK[level];
}

/* The clock now. `nowMs` is the server's time as the browser estimates it
 * (Date.now() + the offset measured at the last answer, see serverNow()).
 * `start` is when the target's time began (the ticket's created_at). */
export function tickClock(
  clock: SlaClock,
  start: string | null,
  nowMs: number,
  warnings: readonly number[] = DEFAULT_WARNINGS,
): ClockView {
  const base = { target: clock.target, escalation: clock.escalation_level ?? 0 };
  if (!clock.target || !clock.due_at) return { ...base, secondsLeft: null, percent: null, level: 'none', threshold: 0 };
  const due = Date.parse(clock.due_at);
  const from = start ? Date.parse(start) : NaN;
  if (clock.paused || Number.isNaN(due)) {
    const frozen = levelOf(clock.percent, warnings);
    return {
      ...base,
      secondsLeft: clock.seconds_left,
      percent: clock.percent,
      level: clock.paused ? 'paused' : frozen.level,
      threshold: frozen.threshold,
    };
  }
  const secondsLeft = Math.floor((due - nowMs) / 1000);
  let percent = clock.percent;
  if (!Number.isNaN(from) && due > from) percent = ((nowMs - from) / (due - from)) * 100;
  if (secondsLeft < 0 && (percent === null || percent < 100)) percent = 100;
  let view = levelOf(percent, warnings);
  // Never show less than the server said: its level is the one it warned on.
  const server = levelOf(clock.warning_percent > 0 ? clock.warning_percent : null, warnings);
  if (levelRank(server.level) > levelRank(view.level)) view = server;
  return { ...base, secondsLeft, percent, level: view.level, threshold: view.threshold };
}

/* The estimate of the server's clock: the browser's plus the offset seen in
 * the last answer's server_time (a browser whose clock is wrong still counts
 * down to the right second). */
export function clockOffset(serverTime: string | null | undefined, receivedAtMs: number): number {
  const s = serverTime ? Date.parse(serverTime) : NaN;
  return Number.isNaN(s) ? 0 : s - receivedAtMs;
}

/* ---- the clock of a whole ticket (GET /v1/tickets/{id}) ------------------ */

export interface TicketSla {
  response_due?: string | null;
  arrival_due?: string | null;
  resolution_due?: string | null;
  responded_at?: string | null;
  arrived_at?: string | null;
  resolved_at?: string | null;
  paused?: boolean;
  paused_at?: string | null;
  escalation_level?: number;
}

/* The current target of a ticket: response until responded, then arrival,
 * then resolution; none once resolved (the same order the board uses). */
export function currentTarget(sla: TicketSla): SlaTarget | null {
  if (!sla.responded_at && sla.response_due) return 'response';
  if (!sla.arrived_at && sla.arrival_due) return 'arrival';
  if (!sla.resolved_at && sla.resolution_due) return 'resolution';
  return null;
}

const DUE: Record<SlaTarget, keyof TicketSla> = {
  response: 'response_due',
  arrival: 'arrival_due',
  resolution: 'resolution_due',
};

/* The board-shaped clock of a full ticket: what the ticket page shows in its
 * header. A paused clock stands at the moment it was paused. */
export function clockOfTicket(sla: TicketSla, createdAt: string | null | undefined, open: boolean): SlaClock {
  const target = open ? currentTarget(sla) : null;
  const due = target ? ((sla[DUE[target]] as string | null | undefined) ?? null) : null;
  let secondsLeft: number | null = null;
  let percent: number | null = null;
  if (due && sla.paused && sla.paused_at) {
    const d = Date.parse(due);
    const p = Date.parse(sla.paused_at);
    const c = createdAt ? Date.parse(createdAt) : NaN;
    secondsLeft = Math.floor((d - p) / 1000);
    if (!Number.isNaN(c) && d > c) percent = ((p - c) / (d - c)) * 100;
  }
  return {
    target,
    due_at: due,
    seconds_left: secondsLeft,
    percent,
    warning_percent: 0,
    escalation_level: sla.escalation_level ?? 0,
    paused: Boolean(sla.paused),
  };
}

/* ---- countdown text -------------------------------------------------------- */

export interface CountdownParts {
  overdue: boolean;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export function countdownParts(seconds: number): CountdownParts {
  const overdue = seconds < 0;
  let s = Math.abs(Math.trunc(seconds));
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  return { overdue, days, hours, minutes, seconds: s - minutes * 60 };
}

export type Translate = (key: string, params?: Record<string, unknown>) => string;

const pad = (n: number) => String(n).padStart(2, '0');

/* "3h 05m left", "12m 09s left", "Overdue 1d 02h": the two largest units,
 * the smaller one padded so the text does not jump as it ticks. The words
 * come from dispatch.clock.* in the current language. */
export function formatCountdown(seconds: number, t: Translate): string {
  const p = countdownParts(seconds);
  let time: string;
  if (p.days > 0) time = t('dispatch.clock.days', { d: p.days, h: pad(p.hours) });
  else if (p.hours > 0) time = t('dispatch.clock.hours', { h: p.hours, m: pad(p.minutes) });
  else time = t('dispatch.clock.minutes', { m: p.minutes, s: pad(p.seconds) });
  return t(p.overdue ? 'dispatch.clock.overdue' : 'dispatch.clock.left', { time });
}
