// The warranty desk's logic, kept out of the page so it is tested: the
// alert pages (GET /v1/warranty/alerts: customers > sites > units, paged by
// units, so one customer may continue on the next page) flattened into rows,
// the tabs (ended, <= 30, <= 60, <= 90 days), the filter, the sort, the
// grouping by customer (with the primary contact the alerts carry, masked by
// the API), and the rows exported (what is on screen, in order).
import type { Schemas } from '@/api/client';
import type { CsvValue } from './csv';

export type AlertCustomer = Schemas['WarrantyAlertCustomer'];
export type Contact = Schemas['Contact'];

export interface AlertRow {
  assetId: number;
  serial: string;
  model: string;
  warrantyEnd: string; // YYYY-MM-DD: the first day without cover
  daysLeft: number;
  status: 'expiring' | 'expired';
  customerId: number;
  customerName: string;
  tier: string;
  contact: string; // the customer's primary contact line, masked by the API; '' for none
  siteId: number | null;
  siteName: string;
  owner: string;
}

/* The unit a renewal is recorded for (the desk's row, or the unit page's trace). */
export interface RenewTarget {
  assetId: number;
  serial: string;
  model: string;
  customerName: string;
  warrantyEnd: string | null;
}

export type Tab = 'ended' | '30' | '60' | '90';
export const TABS: Tab[] = ['30', '60', '90', 'ended'];
export type SortKey = 'days' | 'serial' | 'model' | 'customer';
export type SortDir = 'asc' | 'desc';

/* Every unit of every page, once (a repeated asset id keeps its first row). */
export function flattenAlerts(customers: readonly AlertCustomer[]): AlertRow[] {
  const seen = new Set<number>();
  const rows: AlertRow[] = [];
  for (const c of customers) {
    for (const s of c.sites ?? []) {
      for (const u of s.units ?? []) {
        if (u.asset_id === undefined || seen.has(u.asset_id)) continue;
        seen.add(u.asset_id);
        rows.push({
          assetId: u.asset_id,
          serial: u.serial ?? '',
          model: u.model ?? '',
          warrantyEnd: u.warranty_end ?? '',
          daysLeft: u.days_left ?? 0,
          status: u.status === 'expired' ? 'expired' : 'expiring',
          customerId: c.customer?.id ?? 0,
          customerName: c.customer?.name ?? '',
          tier: c.customer?.tier ?? '',
          contact: contactLine(c.customer?.contact ? [c.customer.contact] : []),
          siteId: s.site?.id ?? null,
          siteName: s.site?.name ?? '',
          owner: u.sales_owner?.username ?? '',
        });
      }
    }
  }
  return rows;
}

/* A contract ending (issue 20: items of kind "contract" on the same pages). */
export interface ContractRow {
  contractId: number;
  number: string;
  kind: 'service' | 'warranty_extension';
  endDate: string; // the last covered day
  daysLeft: number;
  status: 'expiring' | 'expired';
  renewal: 'none' | 'cancelled';
  customerId: number;
  customerName: string;
  contact: string;
}

/* Every contract item of every page, once, soonest end first. */
export function flattenContracts(items: readonly AlertCustomer[]): ContractRow[] {
  const seen = new Set<number>();
  const rows: ContractRow[] = [];
  for (const it of items) {
    const k = it.contract;
    if (it.kind !== 'contract' || !k || seen.has(k.id)) continue;
    seen.add(k.id);
    rows.push({
      contractId: k.id,
      number: k.number,
      kind: k.kind,
      endDate: k.end_date,
      daysLeft: k.days_left,
      status: k.status,
      renewal: k.renewal,
      customerId: it.customer?.id ?? 0,
      customerName: it.customer?.name ?? '',
      contact: contactLine(it.customer?.contact ? [it.customer.contact] : []),
    });
  }
  return rows.sort((a, b) => (a.endDate < b.endDate ? -1 : a.endDate > b.endDate ? 1 : a.contractId - b.contractId));
}

/* A contract row in a tab, matching the filter (number or customer). */
export function contractShown(row: ContractRow, tab: Tab, query: string): boolean {
  const inWindow = tab === 'ended' ? row.status === 'expired' : row.status === 'expiring' && row.daysLeft <= Number(tab);
  const q = query.trim().toLocaleLowerCase();
  return inWindow && (!q || [row.number, row.customerName].some((v) => v.toLocaleLowerCase().includes(q)));
}

/* The tabs nest: <= 60 days holds the <= 30 days units too. */
export function inTab(row: AlertRow, tab: Tab): boolean {
  if (tab === 'ended') return row.status === 'expired';
  return row.status === 'expiring' && row.daysLeft <= Number(tab);
}

export function tabCounts(rows: readonly AlertRow[]): Record<Tab, number> {
  const n: Record<Tab, number> = { ended: 0, '30': 0, '60': 0, '90': 0 };
  for (const r of rows) for (const t of TABS) if (inTab(r, t)) n[t]++;
  return n;
}

/* A case-insensitive substring of the serial, model, customer or site. */
export function matchesFilter(row: AlertRow, query: string): boolean {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return true;
  return [row.serial, row.model, row.customerName, row.siteName].some((v) => v.toLocaleLowerCase().includes(q));
}

export interface AlertGroup {
  customerId: number;
  customerName: string;
  tier: string;
  contact: string;
  rows: AlertRow[];
}

function compareRows(a: AlertRow, b: AlertRow, key: SortKey, collator: Intl.Collator): number {
  // Days left is the end date's order, and also orders the ended units
  // (whose days_left is 0) by how long ago they ended.
  const byEnd = a.warrantyEnd < b.warrantyEnd ? -1 : a.warrantyEnd > b.warrantyEnd ? 1 : 0;
  switch (key) {
    case 'serial':
      return collator.compare(a.serial, b.serial) || byEnd;
    case 'model':
      return collator.compare(a.model, b.model) || byEnd || collator.compare(a.serial, b.serial);
    case 'customer':
      return collator.compare(a.customerName, b.customerName) || a.customerId - b.customerId;
    case 'days':
      return byEnd || collator.compare(a.serial, b.serial);
  }
}

/* The rows of a tab, filtered, sorted and grouped by customer. Units are
 * sorted by the key; a customer's group stands where its first unit does
 * (by customer: groups in name order, units by days left). */
export function groupAlerts(
  rows: readonly AlertRow[],
  opts: { tab: Tab; query: string; key: SortKey; dir: SortDir; locale: string },
): AlertGroup[] {
  const collator = new Intl.Collator(opts.locale, { numeric: true, sensitivity: 'base' });
  const sign = opts.dir === 'asc' ? 1 : -1;
  const picked = rows.filter((r) => inTab(r, opts.tab) && matchesFilter(r, opts.query));
  picked.sort((a, b) => {
    if (opts.key === 'customer') return sign * compareRows(a, b, 'customer', collator) || compareRows(a, b, 'days', collator);
    return sign * compareRows(a, b, opts.key, collator);
  });
  const groups = new Map<number, AlertGroup>();
  for (const r of picked) {
    let g = groups.get(r.customerId);
    if (!g) {
      g = { customerId: r.customerId, customerName: r.customerName, tier: r.tier, contact: r.contact, rows: [] };
      groups.set(r.customerId, g);
    }
    g.rows.push(r);
  }
  return [...groups.values()];
}

/* A customer's first contact as the API shows it (masked): "林** · 138****1122 · 机电工程师". */
export function contactLine(contacts: readonly Contact[] | undefined): string {
  const c = contacts?.[0];
  if (!c) return '';
  return [c.name, c.phone, c.title].filter((s) => s && s.trim()).join(' · ');
}

/* The export: the groups as shown, one record per unit. */
export function exportRows(groups: readonly AlertGroup[], status: (row: AlertRow) => string): CsvValue[][] {
  return groups.flatMap((g) =>
    g.rows.map((r) => [
      r.customerName,
      r.contact,
      r.siteName,
      r.serial,
      r.model,
      r.warrantyEnd,
      r.status === 'expired' ? 0 : r.daysLeft,
      status(r),
    ]),
  );
}

/* YYYY-MM-DD plus n calendar months, the day clamped to the month's end (as
 * the server adds warranty months). */
export function addMonths(date: string, months: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return '';
  const total = Number(m[1]) * 12 + (Number(m[2]) - 1) + months;
  const y = Math.floor(total / 12);
  const mo = total - y * 12;
  const last = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
  const d = Math.min(Number(m[3]), last);
  return `${String(y).padStart(4, '0')}-${String(mo + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
