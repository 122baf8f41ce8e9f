// The customer 360 page's logic (GET /v1/customers/{id}/overview): the
// shares behind the unit totals bar, the satisfaction bars, a contract's
// visits used, and how the units of several pages join into one list.
import type { Schemas } from '@/api/client';

export type Overview = Schemas['CustomerOverview'];
export type OverviewUnit = Schemas['OverviewUnit'];
export type CoverKind = OverviewUnit['cover'];

export interface Share {
  key: CoverKind;
  count: number;
  percent: number; // of all units, 0..100, one decimal
}

/* Units by what covers them, as shares of all (warranty, contract, none),
 * every share at least 0; all zero for a customer without units. */
export function coverShares(cover: { warranty: number; contract: number; none: number }): Share[] {
  const total = cover.warranty + cover.contract + cover.none;
  return (['warranty', 'contract', 'none'] as const).map((key) => ({
    key,
    count: cover[key],
    percent: total ? Math.round((cover[key] / total) * 1000) / 10 : 0,
  }));
}

export interface MonthBar {
  month: string;
  average: number | null;
  responses: number;
  low: number;
  height: number; // percent of the bar area: average / 5
}

/* The twelve months as bars: the mean score out of 5 sets the height; a
 * month without a score has none. */
export function satisfactionBars(months: Overview['satisfaction']): MonthBar[] {
  return months.map((m) => ({
    month: m.month,
    average: m.average ?? null,
    responses: m.responses,
    low: m.low,
    height: m.average ? Math.max(0, Math.min(100, (m.average / 5) * 100)) : 0,
  }));
}

/* Mean of the months that have scores, weighted by how many; null without. */
export function yearAverage(months: Overview['satisfaction']): number | null {
  let n = 0;
  let sum = 0;
  for (const m of months) {
    if (m.average !== null && m.average !== undefined && m.responses > 0) {
      n += m.responses;
      sum += m.average * m.responses;
    }
  }
  return n ? Math.round((sum / n) * 100) / 100 : null;
}

/* Visits used of allowed as a fraction for a progress bar (0..1), and the
 * tone: over 80 % used is a warning, all used is a breach. Unlimited
 * contracts have no bar. */
export function visitUse(used: number, allowed: number | null | undefined): { ratio: number; tone: 'ok' | 'warn' | 'breach' } | null {
  if (allowed === null || allowed === undefined) return null;
  if (allowed <= 0) return { ratio: 1, tone: 'breach' };
  const ratio = Math.min(1, used / allowed);
  return { ratio, tone: used >= allowed ? 'breach' : ratio > 0.8 ? 'warn' : 'ok' };
}

/* Appends a further page of units, dropping any already shown (a unit is
 * never listed twice, whatever the order pages arrive in). */
export function appendUnits(shown: OverviewUnit[], page: OverviewUnit[]): OverviewUnit[] {
  const seen = new Set(shown.map((u) => u.id));
  return [...shown, ...page.filter((u) => !seen.has(u.id))];
}
