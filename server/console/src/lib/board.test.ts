import { describe, expect, it } from 'vitest';
import {
  activeFilterCount,
  applyDelta,
  emptyFilters,
  filtersFromQuery,
  filtersToQuery,
  fromSnapshot,
  GROUPS,
  groupOf,
  groupRows,
  primaryStatus,
  matches,
  type BoardRow,
} from './board';
import { STATUSES, FINAL } from './transitions';
import type { SlaLevel } from './sla';

function row(id: number, over: Partial<BoardRow> = {}): BoardRow {
  return {
    id,
    number: `FT-${String(id).padStart(6, '0')}`,
    status: 'routed',
    priority: 'P3',
    channel: 'hotline',
    title: `Ticket ${id}`,
    category: 'fault_repair',
    subcategory: 'repair',
    customer: { id: 1, name: '粤海能源集团有限公司', tier: 'A' },
    site: { id: 2, name: '粤海南山配电站' },
    asset: { id: 3, serial: 'FT202412-0002', model: 'XGN15-12' },
    centre: 'C-SZ',
    assignee: null,
    created_at: `2026-12-08T00:00:${String(id % 60).padStart(2, '0')}Z`,
    updated_at: '2026-12-08T00:00:00Z',
    version: 1,
    clock: { target: 'response', due_at: null, seconds_left: null, percent: null, warning_percent: 0, escalation_level: 0, paused: false },
    ...over,
  };
}

const flat = (level: SlaLevel, secondsLeft: number | null = null) => () => ({ level, secondsLeft });

describe('merging the feed', () => {
  it('takes a snapshot whole', () => {
    const m = fromSnapshot([row(1), row(2)]);
    expect([...m.keys()]).toEqual([1, 2]);
  });
  it('applies upserts and removals, and says what changed', () => {
    const m = fromSnapshot([row(1), row(2), row(3)]);
    const { rows, changed } = applyDelta(m, {
      items: [row(2, { status: 'assigned', version: 2 }), row(4)],
      removed: [3],
    });
    expect([...rows.keys()].sort()).toEqual([1, 2, 4]);
    expect(rows.get(2)?.status).toBe('assigned');
    expect(changed).toEqual([2, 4]);
    expect(m.size).toBe(3); // the old map is untouched
  });
  it('never goes back to an older version of a row', () => {
    const m = fromSnapshot([row(1, { version: 5, status: 'accepted' })]);
    const { rows, changed } = applyDelta(m, { items: [row(1, { version: 4, status: 'assigned' })] });
    expect(rows.get(1)?.status).toBe('accepted');
    expect(changed).toEqual([]);
  });
  it('ignores the removal of a row it never had', () => {
    expect(applyDelta(fromSnapshot([row(1)]), { removed: [9] }).rows.size).toBe(1);
  });
});

describe('columns', () => {
  it('puts every open status in exactly one column, none of the final ones', () => {
    for (const s of STATUSES) {
      if (FINAL.includes(s)) expect(groupOf(s)).toBeNull();
      else expect(groupOf(s)).not.toBeNull();
    }
    expect(groupOf('declined')).toBe('dispatch');
    expect(groupOf('reopened')).toBe('dispatch');
    expect(groupOf('on_site')).toBe('field');
    expect(groupOf('follow_up')).toBe('closing');
  });
  it('names the usual status of each column, so cards say only the others', () => {
    expect(primaryStatus('dispatch')).toBe('routed');
    expect(primaryStatus('field')).toBeNull();
    for (const g of GROUPS) {
      const p = primaryStatus(g.key);
      if (p) expect(g.statuses).toContain(p);
    }
  });
  it('sorts each column by clock level, priority, then time left', () => {
    const levels: Record<number, { level: SlaLevel; secondsLeft: number | null }> = {
      1: { level: 'ok', secondsLeft: 100 },
      2: { level: 'overdue', secondsLeft: -5 },
      3: { level: 'ok', secondsLeft: 50 },
      4: { level: 'ok', secondsLeft: 10 },
      5: { level: 'paused', secondsLeft: 10 },
    };
    const rows = [row(1, { priority: 'P1' }), row(2), row(3, { priority: 'P1' }), row(4), row(5, { status: 'assigned' })];
    const g = groupRows(rows, (r) => levels[r.id] ?? { level: 'none', secondsLeft: null });
    expect(g.dispatch.map((r) => r.id)).toEqual([2, 3, 1, 4]);
    expect(g.dispatched.map((r) => r.id)).toEqual([5]);
    expect(g.field).toEqual([]);
  });
});

describe('filters', () => {
  const ctx = { me: 7, overdue: (r: BoardRow) => r.id === 2 };
  const rows = [
    row(1, { priority: 'P1', channel: 'wechat', title: '断路器拒合' }),
    row(2, { status: 'on_site', assignee: { id: 7, username: 'tech.sz' } }),
    row(3, { customer: { id: 9, name: 'Jinling Power', tier: 'A' }, asset: { id: 4, serial: 'SN-ABC-9', model: 'VS1' } }),
  ];
  const ids = (f: Partial<ReturnType<typeof emptyFilters>>) =>
    rows.filter((r) => matches(r, { ...emptyFilters(), ...f }, ctx)).map((r) => r.id);

  it('keeps everything by default', () => expect(ids({})).toEqual([1, 2, 3]));
  it('by priority, channel and column', () => {
    expect(ids({ priority: ['P1'] })).toEqual([1]);
    expect(ids({ channel: ['wechat', 'app'] })).toEqual([1]);
    expect(ids({ group: ['field'] })).toEqual([2]);
  });
  it('by assignee', () => {
    expect(ids({ assignee: 'me' })).toEqual([2]);
    expect(ids({ assignee: 'unassigned' })).toEqual([1, 3]);
  });
  it('overdue only', () => expect(ids({ overdue: true })).toEqual([2]));
  it('searches number, title, customer, site, serial and assignee, every word', () => {
    expect(ids({ q: 'ft-000003' })).toEqual([3]);
    expect(ids({ q: '拒合' })).toEqual([1]);
    expect(ids({ q: 'jinling abc' })).toEqual([3]);
    expect(ids({ q: 'jinling zzz' })).toEqual([]);
    expect(ids({ q: 'TECH.SZ' })).toEqual([2]);
    expect(ids({ q: '南山' })).toEqual([1, 2, 3]); // the site's name
  });
  it('counts the active ones', () => {
    expect(activeFilterCount(emptyFilters())).toBe(0);
    expect(activeFilterCount({ ...emptyFilters(), q: 'x', overdue: true, centre: 'C-SZ' })).toBe(2);
  });
});

describe('filters in the address', () => {
  it('round-trips, in a fixed order, leaving defaults out', () => {
    const f = { ...emptyFilters(), q: ' 南山 ', priority: ['P2', 'P1'] as const, channel: ['wechat'] as const, assignee: 'unassigned' as const, overdue: true, centre: 'C-SZ' };
    const q = filtersToQuery({ ...f, priority: [...f.priority], channel: [...f.channel] });
    expect(q).toEqual({ centre: 'C-SZ', q: '南山', priority: 'P1,P2', channel: 'wechat', assignee: 'unassigned', overdue: '1' });
    expect(filtersFromQuery(q)).toEqual({ ...emptyFilters(), q: '南山', priority: ['P1', 'P2'], channel: ['wechat'], assignee: 'unassigned', overdue: true, centre: 'C-SZ' });
    expect(filtersToQuery(emptyFilters())).toEqual({});
  });
  it('drops what it does not know', () => {
    expect(filtersFromQuery({ priority: 'P9,P2', group: 'field,nope', assignee: 'boss', overdue: 'yes', centre: '<x>' })).toEqual({
      ...emptyFilters(), priority: ['P2'], group: ['field'],
    });
    expect(filtersFromQuery({ priority: ['P1', null] }).priority).toEqual(['P1']);
  });
});
