import { describe, expect, it } from 'vitest';
import { ruleKey, rulesOfTier, sameTargets, targetsError, type Rule } from './serviceLevels';

describe('service levels', () => {
  it('targets: range and order', () => {
    expect(targetsError({ response_minutes: 30, arrival_minutes: 240, resolution_minutes: 1440 })).toBeNull();
    expect(targetsError({ response_minutes: 30, arrival_minutes: 30, resolution_minutes: 30 })).toBeNull();
    expect(targetsError({ response_minutes: 300, arrival_minutes: 240, resolution_minutes: 1440 })).toBe('order');
    expect(targetsError({ response_minutes: 0, arrival_minutes: 240, resolution_minutes: 1440 })).toBe('range');
    expect(targetsError({ response_minutes: 1.5, arrival_minutes: 240, resolution_minutes: 1440 })).toBe('range');
    expect(targetsError({ response_minutes: 1, arrival_minutes: 2, resolution_minutes: 100001 })).toBe('range');
  });

  it('same targets', () => {
    const a = { priority: 'P1' as const, response_minutes: 1, arrival_minutes: 2, resolution_minutes: 3, round_the_clock: true };
    expect(sameTargets(a, { ...a })).toBe(true);
    expect(sameTargets(a, { ...a, round_the_clock: false })).toBe(false);
  });

  it('rules of a tier, most pressing first, overrides after their base rule', () => {
    const r = (impact: Rule['impact'], urgency: Rule['urgency'], category: Rule['category'] = null, tier: Rule['tier'] = 'A'): Rule => ({ tier, impact, urgency, category, priority: 'P3' });
    const rules = [r('unit', 'low'), r('grid', 'low'), r('grid', 'high', 'other'), r('grid', 'high'), r('site', 'medium'), r('grid', 'high', null, 'B')];
    expect(rulesOfTier(rules, 'A').map(ruleKey)).toEqual(['A/grid/high/*', 'A/grid/high/other', 'A/grid/low/*', 'A/site/medium/*', 'A/unit/low/*']);
  });
});
