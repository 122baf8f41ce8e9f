import { describe, expect, it } from 'vitest';
import { appendUnits, coverShares, satisfactionBars, visitUse, yearAverage, type OverviewUnit } from './customer';

const unit = (id: number): OverviewUnit => ({
  id,
  serial: `SN${id}`,
  model: 'KYN28-12',
  site: null,
  warranty: { status: 'none', end: null },
  contract: null,
  cover: 'none',
});

describe('coverShares', () => {
  it('gives each cover its share of all units', () => {
    const s = coverShares({ warranty: 1, contract: 1, none: 2 });
    expect(s.map((x) => x.key)).toEqual(['warranty', 'contract', 'none']);
    expect(s.map((x) => x.percent)).toEqual([25, 25, 50]);
  });
  it('is all zero without units', () => {
    expect(coverShares({ warranty: 0, contract: 0, none: 0 }).every((x) => x.percent === 0)).toBe(true);
  });
});

describe('satisfactionBars and yearAverage', () => {
  const months = [
    { month: '2026-05', responses: 1, average: 1, low: 1 },
    { month: '2026-06', responses: 3, average: 5, low: 0 },
    { month: '2026-07', responses: 0, average: null, low: 0 },
  ];
  it('scales the mean out of five', () => {
    expect(satisfactionBars(months).map((b) => b.height)).toEqual([20, 100, 0]);
  });
  it('weights the months by their responses', () => {
    expect(yearAverage(months)).toBe(4);
    expect(yearAverage([{ month: '2026-07', responses: 0, average: null, low: 0 }])).toBeNull();
  });
});

describe('visitUse', () => {
  it('has no bar for an unlimited contract', () => {
    expect(visitUse(3, null)).toBeNull();
  });
  it('warns past 80 % and breaches when used up', () => {
    expect(visitUse(1, 4)).toEqual({ ratio: 0.25, tone: 'ok' });
    expect(visitUse(9, 10)?.tone).toBe('warn');
    expect(visitUse(4, 4)).toEqual({ ratio: 1, tone: 'breach' });
    expect(visitUse(0, 0)?.tone).toBe('breach');
  });
});

describe('appendUnits', () => {
  it('never lists a unit twice', () => {
    expect(appendUnits([unit(1), unit(2)], [unit(2), unit(3)]).map((u) => u.id)).toEqual([1, 2, 3]);
  });
});
