// The monthly report page's filters (GET /v1/reports/monthly: month, and
// optionally region, centre, product line), kept in the URL query.

export interface ReportFilters {
  month: string; // YYYY-MM, local to the business calendar
  region: string;
  centre: string;
  product_line: string;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;

function str(q: Record<string, unknown>, k: string): string | undefined {
  const v = q[k];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : undefined;
}

/* A month that has not begun is refused by the API: the current one is the
 * latest offered. */
export function reportFromQuery(q: Record<string, unknown>, thisMonth: string): ReportFilters {
  const m = str(q, 'month');
  const f: ReportFilters = { month: m && MONTH.test(m) && m <= thisMonth ? m : thisMonth, region: '', centre: '', product_line: '' };
  for (const k of ['region', 'centre', 'product_line'] as const) {
    const v = str(q, k);
    if (v && CODE.test(v)) f[k] = v;
  }
  return f;
}

export function reportQuery(f: ReportFilters): Record<string, string> {
  const q: Record<string, string> = { month: f.month };
  if (f.region) q.region = f.region;
  if (f.centre) q.centre = f.centre;
  if (f.product_line) q.product_line = f.product_line;
  return q;
}

/* This month and the n-1 before it, newest first. */
export function previousMonths(thisMonth: string, n: number): string[] {
  const [y, m] = thisMonth.split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}
