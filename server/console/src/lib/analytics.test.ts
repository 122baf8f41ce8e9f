import { describe, expect, it } from 'vitest';
import {
  addDays, calendarToday, columnKind, defaultFilters, filtersFromQuery, filtersToQuery, metricDef, metricQuery, METRICS,
} from './analytics';

const today = '2026-12-07';

describe('dates', () => {
  it('today in the business calendar\'s zone, not the browser\'s', () => {
    const now = new Date('2026-12-07T17:30:00Z');
    expect(calendarToday(now, 480)).toBe('2026-12-08'); // UTC+08:00: already the next day
    expect(calendarToday(now, 0)).toBe('2026-12-07');
    expect(calendarToday(now, -600)).toBe('2026-12-07');
  });
  it('adds days across months and years', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});

describe('analytics filters', () => {
  it('defaults to the last 30 days by week', () => {
    expect(defaultFilters(today)).toEqual({
      from: '2026-11-08', to: '2026-12-07', interval: 'week', by: '', region: '', centre: '', product_line: '', limit: 10,
    });
  });

  it('reads every filter from the URL and writes them back', () => {
    const q = { from: '2026-01-01', to: '2026-03-31', interval: 'month', by: 'centre', region: 'GD', centre: 'C-SZ', product_line: 'relay', limit: '5' };
    const f = filtersFromQuery(q, today);
    expect(f).toEqual({ from: '2026-01-01', to: '2026-03-31', interval: 'month', by: 'centre', region: 'GD', centre: 'C-SZ', product_line: 'relay', limit: 5 });
    expect(filtersToQuery(f)).toEqual(q);
  });

  it('ignores malformed values and swaps a reversed range', () => {
    const f = filtersFromQuery({ from: '2026-05-01', to: '2026-02-01', interval: 'hour', by: 'colour', region: '<b>', limit: '1000' }, today);
    expect(f.from).toBe('2026-02-01');
    expect(f.to).toBe('2026-05-01');
    expect(f.interval).toBe('week');
    expect(f.by).toBe('');
    expect(f.region).toBe('');
    expect(f.limit).toBe(10);
  });

  it('leaves defaults and empty filters out of the URL except the period', () => {
    expect(filtersToQuery(defaultFilters(today))).toEqual({ from: '2026-11-08', to: '2026-12-07', interval: 'week' });
  });
});

describe('metricQuery', () => {
  const f = { ...defaultFilters(today), by: 'channel' as const, region: 'GD', limit: 5 };

  it('asks each endpoint only what it takes', () => {
    expect(metricQuery(metricDef('volume'), f)).toEqual({
      query: { from: '2026-11-08', to: '2026-12-07', region: 'GD', interval: 'week', by: 'channel' },
      byDropped: false,
    });
    expect(metricQuery(metricDef('fault-codes'), f)).toEqual({
      query: { from: '2026-11-08', to: '2026-12-07', region: 'GD', limit: 5 },
      byDropped: true,
    });
  });

  it('drops a grouping warranty renewals cannot use, keeps one it can', () => {
    expect(metricQuery(metricDef('warranty-renewals'), f).byDropped).toBe(true);
    expect(metricQuery(metricDef('warranty-renewals'), { ...f, by: 'model' }).query.by).toBe('model');
  });

  it('covers the seven endpoints', () => {
    expect(METRICS.map((m) => m.metric)).toEqual([
      'volume', 'times', 'sla', 'first-time-fix', 'satisfaction', 'warranty-renewals', 'fault-codes',
    ]);
  });
});

describe('columnKind', () => {
  it.each([
    ['count', 'count'], ['response_met', 'count'], ['response_compliance', 'ratio'], ['first_time_fix_rate', 'ratio'],
    ['renewal_rate', 'ratio'], ['share', 'ratio'], ['follow_up_coverage', 'ratio'], ['response_median_minutes', 'minutes'],
    ['average', 'score'], ['period', 'text'], ['centre', 'text'], ['fault_code', 'text'], ['score_3', 'count'],
  ])('%s is %s', (col, kind) => expect(columnKind(col)).toBe(kind));
});
