import { describe, expect, it } from 'vitest';
import {
  clockOfTicket,
  clockOffset,
  countdownParts,
  currentTarget,
  formatCountdown,
  levelOf,
  normaliseWarnings,
  tickClock,
  type SlaClock,
} from './sla';

const t = (key: string, p: Record<string, unknown> = {}) =>
  `${key.replace('dispatch.clock.', '')}(${Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',')})`;

function clock(over: Partial<SlaClock> = {}): SlaClock {
  return {
    target: 'response',
    due_at: '2026-12-08T10:00:00Z',
    seconds_left: 3600,
    percent: 50,
    warning_percent: 50,
    escalation_level: 0,
    paused: false,
    ...over,
  };
}

const START = '2026-12-08T00:00:00Z'; // 10 h before the due time
const at = (iso: string) => Date.parse(iso);

describe('levelOf', () => {
  it('maps a share of the time to the warning levels', () => {
    expect(levelOf(0).level).toBe('ok');
    expect(levelOf(49.9).level).toBe('ok');
    expect(levelOf(50)).toEqual({ level: 'warn1', threshold: 50 });
    expect(levelOf(79.99)).toEqual({ level: 'warn1', threshold: 50 });
    expect(levelOf(80)).toEqual({ level: 'warn2', threshold: 80 });
    expect(levelOf(100)).toEqual({ level: 'overdue', threshold: 100 });
    expect(levelOf(250).level).toBe('overdue');
    expect(levelOf(null).level).toBe('none');
  });
  it('follows the configured warnings, the deadline staying overdue', () => {
    const w = normaliseWarnings([90, 60, 100]);
    expect(w).toEqual([60, 90, 100]);
    expect(levelOf(59, w).level).toBe('ok');
    expect(levelOf(60, w)).toEqual({ level: 'warn1', threshold: 60 });
    expect(levelOf(95, w)).toEqual({ level: 'warn2', threshold: 90 });
    expect(levelOf(100, w).level).toBe('overdue');
    expect(normaliseWarnings([])).toEqual([50, 80, 100]);
    expect(normaliseWarnings(undefined)).toEqual([50, 80, 100]);
  });
});

describe('tickClock', () => {
  it('counts down to the due time and recomputes the share used', () => {
    const v = tickClock(clock({ percent: 10, warning_percent: 0 }), START, at('2026-12-08T04:00:00Z'));
    expect(v.secondsLeft).toBe(6 * 3600);
    expect(v.percent).toBeCloseTo(40);
    expect(v.level).toBe('ok');
    const later = tickClock(clock({ percent: 10, warning_percent: 0 }), START, at('2026-12-08T08:30:00Z'));
    expect(later.level).toBe('warn2');
    expect(later.threshold).toBe(80);
  });
  it('turns overdue at the due second, with a negative time left', () => {
    const v = tickClock(clock(), START, at('2026-12-08T10:00:05Z'));
    expect(v.secondsLeft).toBe(-5);
    expect(v.level).toBe('overdue');
  });
  it('never shows less than the level the server reported', () => {
    const v = tickClock(clock({ warning_percent: 80 }), START, at('2026-12-08T01:00:00Z'));
    expect(v.level).toBe('warn2');
  });
  it('without a start time keeps the server share but still counts down', () => {
    const v = tickClock(clock({ percent: 55, warning_percent: 50 }), null, at('2026-12-08T09:00:00Z'));
    expect(v.secondsLeft).toBe(3600);
    expect(v.percent).toBe(55);
    expect(v.level).toBe('warn1');
  });
  it('stands still while paused', () => {
    const c = clock({ paused: true, seconds_left: 1234, percent: 70 });
    const a = tickClock(c, START, at('2026-12-08T09:00:00Z'));
    const b = tickClock(c, START, at('2026-12-09T09:00:00Z'));
    expect(a).toEqual(b);
    expect(a.level).toBe('paused');
    expect(a.secondsLeft).toBe(1234);
  });
  it('has no clock once every target is met', () => {
    expect(tickClock(clock({ target: null, due_at: null }), START, Date.now()).level).toBe('none');
  });
  it('carries the escalation level', () => {
    expect(tickClock(clock({ escalation_level: 2 }), START, at('2026-12-08T11:00:00Z')).escalation).toBe(2);
  });
});

describe('clockOffset', () => {
  it('is the server time minus the time the answer arrived', () => {
    expect(clockOffset('2026-12-08T00:00:10Z', at('2026-12-08T00:00:00Z'))).toBe(10_000);
    expect(clockOffset(null, 5)).toBe(0);
    expect(clockOffset('nonsense', 5)).toBe(0);
  });
});

describe('the clock of a whole ticket', () => {
  const sla = {
    response_due: '2026-12-08T01:00:00Z',
    arrival_due: '2026-12-08T05:00:00Z',
    resolution_due: '2026-12-10T00:00:00Z',
  };
  it('follows response, then arrival, then resolution', () => {
    expect(currentTarget(sla)).toBe('response');
    expect(currentTarget({ ...sla, responded_at: 'x' })).toBe('arrival');
    expect(currentTarget({ ...sla, responded_at: 'x', arrived_at: 'y' })).toBe('resolution');
    expect(currentTarget({ ...sla, responded_at: 'x', arrived_at: 'y', resolved_at: 'z' })).toBeNull();
  });
  it('has no target on a ticket no longer open', () => {
    expect(clockOfTicket(sla, START, false).target).toBeNull();
  });
  it('freezes a paused clock at the pause', () => {
    const c = clockOfTicket(
      { ...sla, responded_at: 'x', paused: true, paused_at: '2026-12-08T04:00:00Z' },
      START,
      true,
    );
    expect(c.target).toBe('arrival');
    expect(c.seconds_left).toBe(3600);
    expect(c.percent).toBeCloseTo(80);
    expect(tickClock(c, START, Date.now()).level).toBe('paused');
  });
});

describe('countdown text', () => {
  it('splits seconds into parts', () => {
    expect(countdownParts(90061)).toEqual({ overdue: false, days: 1, hours: 1, minutes: 1, seconds: 1 });
    expect(countdownParts(-61)).toEqual({ overdue: true, days: 0, hours: 0, minutes: 1, seconds: 1 });
  });
  it('shows the two largest units, the smaller padded', () => {
    expect(formatCountdown(2 * 86400 + 3 * 3600, t)).toBe('left(time=days(d=2,h=03))');
    expect(formatCountdown(3 * 3600 + 5 * 60 + 59, t)).toBe('left(time=hours(h=3,m=05))');
    expect(formatCountdown(12 * 60 + 9, t)).toBe('left(time=minutes(m=12,s=09))');
    expect(formatCountdown(0, t)).toBe('left(time=minutes(m=0,s=00))');
    expect(formatCountdown(-(26 * 3600), t)).toBe('overdue(time=days(d=1,h=02))');
  });
});
