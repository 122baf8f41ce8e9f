// The analytics page's filters and the seven endpoints they drive
// (GET /v1/analytics/*, docs/openapi.json). The filters are exactly the
// endpoints' parameters, shared by every chart and kept in the URL query so a
// link opens the same view. An endpoint that does not take one of them (the
// fault codes have no `by` or `interval`; warranty renewals group only by
// region, product line or model) is asked without it, and its card says so.

export type Metric =
  | 'volume'
  | 'times'
  | 'sla'
  | 'first-time-fix'
  | 'satisfaction'
  | 'warranty-renewals'
  | 'fault-codes';

export type Interval = 'day' | 'week' | 'month' | 'all';
export type Dimension = 'category' | 'channel' | 'region' | 'centre' | 'product_line' | 'model' | 'priority';

export const INTERVALS: readonly Interval[] = ['day', 'week', 'month', 'all'];
export const DIMENSIONS: readonly Dimension[] = ['category', 'channel', 'region', 'centre', 'product_line', 'model', 'priority'];

/* How a column's values read: counts, fractions shown as percentages,
 * minutes, a 1-5 score, or text (periods, dimension values, fault codes). */
export type ColumnKind = 'count' | 'ratio' | 'minutes' | 'score' | 'text';

export interface MetricDef {
  metric: Metric;
  /* The `by` values the endpoint accepts (none: it takes no `by`). */
  by: readonly Dimension[];
  /* Whether it takes `interval`, and `limit`. */
  interval: boolean;
  limit: boolean;
  /* The columns drawn when the table is grouped or has periods. */
  measures: readonly string[];
  /* The columns drawn when the answer is one total row (default: measures),
   * e.g. the satisfaction scores' distribution instead of one average. */
  totalMeasures?: readonly string[];
  /* Horizontal bars for ranked lists (fault codes). */
  horizontal?: boolean;
}

export const METRICS: readonly MetricDef[] = [
  { metric: 'volume', by: DIMENSIONS, interval: true, limit: false, measures: ['count'] },
  {
    metric: 'times',
    by: DIMENSIONS,
    interval: true,
    limit: false,
    measures: ['response_median_minutes', 'resolution_median_minutes'],
    totalMeasures: [
      'response_median_minutes', 'response_p90_minutes',
      'arrival_median_minutes', 'arrival_p90_minutes',
      'resolution_median_minutes', 'resolution_p90_minutes',
    ],
  },
  {
    metric: 'sla',
    by: DIMENSIONS,
    interval: true,
    limit: false,
    measures: ['response_compliance', 'arrival_compliance', 'resolution_compliance'],
  },
  { metric: 'first-time-fix', by: DIMENSIONS, interval: true, limit: false, measures: ['first_time_fix_rate'] },
  {
    metric: 'satisfaction',
    by: DIMENSIONS,
    interval: true,
    limit: false,
    measures: ['average'],
    totalMeasures: ['score_1', 'score_2', 'score_3', 'score_4', 'score_5'],
  },
  {
    metric: 'warranty-renewals',
    by: ['region', 'product_line', 'model'],
    interval: true,
    limit: false,
    measures: ['renewal_rate'],
  },
  { metric: 'fault-codes', by: [], interval: false, limit: true, measures: ['count'], horizontal: true },
];

export function metricDef(m: Metric): MetricDef {
  const d = METRICS.find((x) => x.metric === m);
  if (!d) throw new Error(`unknown metric ${m}`);
  return d;
}

export function columnKind(column: string): ColumnKind {
  if (column === 'period' || column === 'fault_code' || (DIMENSIONS as readonly string[]).includes(column)) return 'text';
  if (/_(compliance|rate)$/.test(column) || column === 'share' || column === 'follow_up_coverage') return 'ratio';
  if (column.endsWith('_minutes')) return 'minutes';
  if (column === 'average') return 'score';
  return 'count';
}

export interface Filters {
  from: string; // YYYY-MM-DD, local date (the API reads it in the business calendar's zone)
  to: string; // YYYY-MM-DD, that whole day included
  interval: Interval;
  by: Dimension | '';
  region: string;
  centre: string;
  product_line: string;
  limit: number; // fault codes: how many (1-100)
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;
export const DEFAULT_DAYS = 30;
export const DEFAULT_LIMIT = 10;

/* Today's date where the business calendar keeps time (GET /v1/calendar's
 * utc_offset_minutes): the API reads `from` and `to` as dates there, so a
 * browser in another zone still asks for the right days. */
export function calendarToday(now: Date, utcOffsetMinutes: number): string {
  return new Date(now.getTime() + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/* A YYYY-MM-DD date moved by whole days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function defaultFilters(today: string): Filters {
  return {
    from: addDays(today, -(DEFAULT_DAYS - 1)),
    to: today,
    interval: 'week',
    by: '',
    region: '',
    centre: '',
    product_line: '',
    limit: DEFAULT_LIMIT,
  };
}

type Query = Record<string, unknown>;

function str(q: Query, k: string): string | undefined {
  const v = q[k];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : undefined;
}

/* The filters a URL query names; anything missing or malformed takes its
 * default, so a hand-edited link never breaks the page. */
export function filtersFromQuery(q: Query, today: string): Filters {
  const f = defaultFilters(today);
  const from = str(q, 'from');
  const to = str(q, 'to');
  if (from && DATE.test(from)) f.from = from;
  if (to && DATE.test(to)) f.to = to;
  if (f.from > f.to) [f.from, f.to] = [f.to, f.from];
  const interval = str(q, 'interval');
  if (interval && (INTERVALS as readonly string[]).includes(interval)) f.interval = interval as Interval;
  const by = str(q, 'by');
  if (by && (DIMENSIONS as readonly string[]).includes(by)) f.by = by as Dimension;
  for (const k of ['region', 'centre', 'product_line'] as const) {
    const v = str(q, k);
    if (v && CODE.test(v)) f[k] = v;
  }
  const limit = Number(str(q, 'limit'));
  if (Number.isInteger(limit) && limit >= 1 && limit <= 100) f.limit = limit;
  return f;
}

/* Every filter written out (empty ones left off), so the URL alone says
 * what the charts show. */
export function filtersToQuery(f: Filters): Record<string, string> {
  const q: Record<string, string> = { from: f.from, to: f.to, interval: f.interval };
  if (f.by) q.by = f.by;
  if (f.region) q.region = f.region;
  if (f.centre) q.centre = f.centre;
  if (f.product_line) q.product_line = f.product_line;
  if (f.limit !== DEFAULT_LIMIT) q.limit = String(f.limit);
  return q;
}

export interface MetricQuery {
  from: string;
  to: string;
  region?: string;
  centre?: string;
  product_line?: string;
  by?: Dimension;
  interval?: Interval;
  limit?: number;
}

/* The query one endpoint is asked with, and whether the shared `by` had to
 * be left off because that endpoint cannot group by it. */
export function metricQuery(def: MetricDef, f: Filters): { query: MetricQuery; byDropped: boolean } {
  const query: MetricQuery = { from: f.from, to: f.to };
  if (f.region) query.region = f.region;
  if (f.centre) query.centre = f.centre;
  if (f.product_line) query.product_line = f.product_line;
  if (def.interval) query.interval = f.interval;
  if (def.limit) query.limit = f.limit;
  let byDropped = false;
  if (f.by) {
    if (def.by.includes(f.by)) query.by = f.by;
    else byDropped = true;
  }
  return { query, byDropped };
}
