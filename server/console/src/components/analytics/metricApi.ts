// One typed call per analytics endpoint (the paths differ only by name, but
// each has its own parameter types in schema.d.ts).
import { api, ok } from '@/api/client';
import type { AnalyticsTable } from '@/lib/charts';
import type { Metric, MetricQuery } from '@/lib/analytics';

type RenewalBy = 'region' | 'product_line' | 'model';

/* The endpoints also answer CSV (typed as string); the client asks JSON. */
function asTable(answer: AnalyticsTable | string): AnalyticsTable {
  if (typeof answer === 'string') throw new Error('analytics: expected JSON');
  return answer;
}

export async function fetchMetric(metric: Metric, q: MetricQuery): Promise<AnalyticsTable> {
  const { limit, ...rest } = q;
  switch (metric) {
    case 'volume':
      return asTable(ok(await api.GET('/v1/analytics/volume', { params: { query: rest } })));
    case 'times':
      return asTable(ok(await api.GET('/v1/analytics/times', { params: { query: rest } })));
    case 'sla':
      return asTable(ok(await api.GET('/v1/analytics/sla', { params: { query: rest } })));
    case 'first-time-fix':
      return asTable(ok(await api.GET('/v1/analytics/first-time-fix', { params: { query: rest } })));
    case 'satisfaction':
      return asTable(ok(await api.GET('/v1/analytics/satisfaction', { params: { query: rest } })));
    case 'warranty-renewals':
      // metricQuery() only passes a `by` this endpoint accepts.
      return asTable(ok(await api.GET('/v1/analytics/warranty-renewals', { params: { query: { ...rest, by: rest.by as RenewalBy | undefined } } })));
    case 'fault-codes': {
      const { by: _by, interval: _interval, ...base } = rest;
      return asTable(ok(await api.GET('/v1/analytics/fault-codes', { params: { query: { ...base, limit } } })));
    }
  }
}

/* The same query as a path, for the CSV download. */
export function metricCsvPath(metric: Metric, q: MetricQuery): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  p.set('format', 'csv');
  return `/v1/analytics/${metric}?${p.toString()}`;
}
