// Service levels (GET/PUT /v1/service-levels/*): the targets' order rule
// checked before sending, and rules grouped as the admin page lists them.
import type { Schemas } from '@/api/client';

export type Targets = Schemas['PriorityTargets'];
export type Rule = Schemas['ServiceLevelRule'];

export const TIERS: readonly Rule['tier'][] = ['strategic', 'A', 'B', 'C'];
export const IMPACTS: readonly Rule['impact'][] = ['grid', 'site', 'unit'];
export const URGENCIES: readonly Rule['urgency'][] = ['high', 'medium', 'low'];
export const PRIORITIES: readonly Rule['priority'][] = ['P1', 'P2', 'P3', 'P4'];
export const TOP_CATEGORIES = ['complaint', 'fault_repair', 'service_request', 'other'] as const;

/* What the server would refuse: each 1-100000 whole minutes, and
 * response <= arrival <= resolution. */
export function targetsError(t: Pick<Targets, 'response_minutes' | 'arrival_minutes' | 'resolution_minutes'>): 'range' | 'order' | null {
  const v = [t.response_minutes, t.arrival_minutes, t.resolution_minutes];
  if (v.some((m) => !Number.isInteger(m) || m < 1 || m > 100000)) return 'range';
  if (t.response_minutes > t.arrival_minutes || t.arrival_minutes > t.resolution_minutes) return 'order';
  return null;
}

export function sameTargets(a: Targets, b: Targets): boolean {
  return (
    a.response_minutes === b.response_minutes &&
    a.arrival_minutes === b.arrival_minutes &&
    a.resolution_minutes === b.resolution_minutes &&
    a.round_the_clock === b.round_the_clock
  );
}

export function ruleKey(r: Pick<Rule, 'tier' | 'impact' | 'urgency' | 'category'>): string {
  return `${r.tier}/${r.impact}/${r.urgency}/${r.category ?? '*'}`;
}

/* One tier's rules, most pressing first (impact, then urgency), the rule for
 * any category before its category overrides. */
export function rulesOfTier(rules: readonly Rule[], tier: Rule['tier']): Rule[] {
  const rank = <T>(list: readonly T[], v: T) => list.indexOf(v);
  return rules
    .filter((r) => r.tier === tier)
    .sort(
      (a, b) =>
        rank(IMPACTS, a.impact) - rank(IMPACTS, b.impact) ||
        rank(URGENCIES, a.urgency) - rank(URGENCIES, b.urgency) ||
        (a.category === null ? -1 : b.category === null ? 1 : (a.category ?? '').localeCompare(b.category ?? '')),
    );
}
