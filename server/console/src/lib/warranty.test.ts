import { describe, expect, it } from 'vitest';
import {
  addMonths, contactLine, contractShown, exportRows, flattenAlerts, flattenContracts, groupAlerts, inTab, matchesFilter, tabCounts,
  type AlertCustomer,
} from './warranty';

const unit = (id: number, serial: string, model: string, end: string, days: number, status: 'expiring' | 'expired' = 'expiring') => ({
  asset_id: id, serial, model, warranty_end: end, days_left: days, status,
  band: (status === 'expired' ? 0 : days <= 30 ? 30 : days <= 60 ? 60 : 90) as 0 | 30 | 60 | 90,
  sales_owner: { id: 6, username: 'sales.gd' },
});
const site = (id: number, name: string) => ({ id, name });
const lin = { name: '林**', phone: '138****1122', id_number: '', title: '', email: '' };

// Two pages as the API sends them: customer 1 continues on the second page.
const page1: AlertCustomer[] = [
  {
    customer: { id: 1, name: '粤海能源集团有限公司', tier: 'strategic', contact: null },
    sites: [
      { site: site(2, '粤海南山配电站'), units: [unit(2, 'FT202412-0002', 'XGN15-12', '2027-01-22', 46), unit(16, 'FT202506-0016', 'KYN28-12', '2026-08-09', 0, 'expired')] },
    ],
  },
];
const page2: AlertCustomer[] = [
  {
    customer: { id: 1, name: '粤海能源集团有限公司', tier: 'strategic', contact: null },
    sites: [{ site: site(4, '粤海黄埔开关站'), units: [unit(25, 'FT202411-0025', 'SCB13-1000', '2026-12-23', 16)] }],
  },
  {
    customer: { id: 2, name: '深圳前湾建设投资有限公司', tier: 'A', contact: lin },
    sites: [
      { site: site(1, '前湾数据中心 110kV 变电站'), units: [unit(1, 'FT202411-0001', 'KYN28-12', '2026-12-23', 16), unit(15, 'FT202312-0015', 'SCB13-1000', '2027-02-21', 76), unit(2, 'FT202412-0002', 'XGN15-12', '2027-01-22', 46)] },
    ],
  },
  { customer: { id: 3, name: 'Acme <img src=x onerror=alert(1)>', tier: 'B', contact: null }, sites: [{ site: null, units: [unit(40, 'X-1', 'PCS-931', '2026-09-01', 0, 'expired')] }] },
];
const rows = flattenAlerts([...page1, ...page2]);
const contractItem = (id: number, number: string, end: string, days: number, status: 'expiring' | 'expired'): AlertCustomer => ({
  kind: 'contract',
  customer: { id: 2, name: '深圳前湾建设投资有限公司', tier: 'A', contact: lin },
  sites: [],
  contract: {
    id, number, kind: 'service', end_date: end, days_left: days, band: days <= 0 ? 0 : days <= 30 ? 30 : days <= 60 ? 60 : 90,
    status, contract_status: status === 'expired' ? 'expired' : 'active', renewal: 'none', price_minor: 0, currency: 'CNY', sales_owner: null,
  },
});

describe('flattenContracts', () => {
  const items = [...page1, contractItem(7, 'SC-2026-007', '2027-01-20', 43, 'expiring'), contractItem(3, 'SC-2025-003', '2026-11-30', 0, 'expired'), contractItem(7, 'SC-2026-007', '2027-01-20', 43, 'expiring')];
  it('one row per contract, soonest end first, units untouched', () => {
    const cs = flattenContracts(items);
    expect(cs.map((c) => c.number)).toEqual(['SC-2025-003', 'SC-2026-007']);
    expect(cs[1]).toMatchObject({ customerName: '深圳前湾建设投资有限公司', daysLeft: 43, contact: '林** · 138****1122' });
    expect(flattenAlerts(items).length).toBe(flattenAlerts(page1).length);
  });
  it('tabs and the filter', () => {
    const cs = flattenContracts(items);
    expect(cs.filter((c) => contractShown(c, '30', '')).length).toBe(0);
    expect(cs.filter((c) => contractShown(c, '60', '')).map((c) => c.contractId)).toEqual([7]);
    expect(cs.filter((c) => contractShown(c, 'ended', '')).map((c) => c.contractId)).toEqual([3]);
    expect(cs.filter((c) => contractShown(c, '90', 'sc-2026')).length).toBe(1);
    expect(cs.filter((c) => contractShown(c, '90', 'nothing')).length).toBe(0);
  });
});

describe('flattenAlerts', () => {
  it('one row per unit, across pages, with its customer and site', () => {
    expect(rows.map((r) => r.assetId)).toEqual([2, 16, 25, 1, 15, 40]);
    expect(rows[2]).toMatchObject({ customerId: 1, siteId: 4, siteName: '粤海黄埔开关站', owner: 'sales.gd', daysLeft: 16 });
    expect(rows[5]).toMatchObject({ siteId: null, siteName: '', status: 'expired', contact: '' });
    expect(rows[3]).toMatchObject({ customerId: 2, contact: '林** · 138****1122' });
  });
});

describe('tabs', () => {
  it('nest: <= 60 holds the <= 30 units; ended only the expired', () => {
    expect(tabCounts(rows)).toEqual({ '30': 2, '60': 3, '90': 4, ended: 2 });
    expect(inTab(rows[1]!, '90')).toBe(false);
    expect(inTab(rows[1]!, 'ended')).toBe(true);
  });
});

describe('filter', () => {
  it('matches serial, model, customer or site, any case', () => {
    expect(matchesFilter(rows[0]!, 'xgn')).toBe(true);
    expect(matchesFilter(rows[0]!, '南山')).toBe(true);
    expect(matchesFilter(rows[0]!, '  ')).toBe(true);
    expect(matchesFilter(rows[0]!, 'ft202411')).toBe(false);
  });
});

describe('groupAlerts', () => {
  const base = { tab: '90' as const, query: '', locale: 'zh-CN' };
  it('by days left: the most urgent first, grouped by customer', () => {
    const g = groupAlerts(rows, { ...base, key: 'days', dir: 'asc' });
    // 1 and 25 both end on 2026-12-23: the serial breaks the tie.
    expect(g.map((x) => x.customerId)).toEqual([2, 1]);
    expect(g[0]!.rows.map((r) => r.assetId)).toEqual([1, 15]);
    expect(g[1]!.rows.map((r) => r.assetId)).toEqual([25, 2]);
  });
  it('descending puts the latest end first', () => {
    const g = groupAlerts(rows, { ...base, key: 'days', dir: 'desc' });
    expect(g.map((x) => x.customerId)).toEqual([2, 1]);
    expect(g[0]!.rows.map((r) => r.assetId)).toEqual([15, 1]);
  });
  it('by serial and by model', () => {
    expect(groupAlerts(rows, { ...base, key: 'serial', dir: 'asc' }).flatMap((x) => x.rows.map((r) => r.serial)))
      .toEqual(['FT202312-0015', 'FT202411-0001', 'FT202411-0025', 'FT202412-0002']);
    expect(groupAlerts(rows, { ...base, key: 'model', dir: 'asc' }).flatMap((x) => x.rows.map((r) => r.model)))
      .toEqual(['KYN28-12', 'SCB13-1000', 'SCB13-1000', 'XGN15-12']);
  });
  it('by customer: groups in name order, units by days left', () => {
    const g = groupAlerts(rows, { ...base, key: 'customer', dir: 'desc', locale: 'en' });
    expect(g.map((x) => x.customerName)).toEqual(['粤海能源集团有限公司', '深圳前湾建设投资有限公司']);
    expect(g[0]!.rows.map((r) => r.assetId)).toEqual([25, 2]);
  });
  it('the ended tab, by how long ago, filtered', () => {
    const g = groupAlerts(rows, { ...base, tab: 'ended', key: 'days', dir: 'asc' });
    expect(g.flatMap((x) => x.rows.map((r) => r.assetId))).toEqual([16, 40]);
    expect(groupAlerts(rows, { ...base, tab: 'ended', query: 'acme', key: 'days', dir: 'asc' })).toHaveLength(1);
  });
});

describe('export', () => {
  it('the groups as shown, with the masked contact', () => {
    const g = groupAlerts(rows, { tab: '30', query: '', locale: 'zh-CN', key: 'days', dir: 'asc' });
    expect(g[0]!.contact).toBe('林** · 138****1122');
    expect(exportRows(g, (r) => r.status)).toEqual([
      ['深圳前湾建设投资有限公司', '林** · 138****1122', '前湾数据中心 110kV 变电站', 'FT202411-0001', 'KYN28-12', '2026-12-23', 16, 'expiring'],
      ['粤海能源集团有限公司', '', '粤海黄埔开关站', 'FT202411-0025', 'SCB13-1000', '2026-12-23', 16, 'expiring'],
    ]);
  });
  it('contactLine joins what the API gives', () => {
    expect(contactLine([{ name: '林**', phone: '138****1122', id_number: '440*************28', title: '机电工程师', email: '' }])).toBe('林** · 138****1122 · 机电工程师');
    expect(contactLine([])).toBe('');
    expect(contactLine(undefined)).toBe('');
  });
});

describe('addMonths', () => {
  it('adds calendar months, clamping the day', () => {
    expect(addMonths('2026-12-23', 12)).toBe('2027-12-23');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28');
    expect(addMonths('bad', 3)).toBe('');
  });
});
