// The dispatcher's board in the browser: the rows of GET /v1/board kept in a
// map, changes merged in (upserts and removed ids), grouped into columns by
// state, filtered and searched on the client, the filters kept in the URL so
// a link reproduces the view.
import type { Schemas } from '@/api/client';
import type { SlaClock, SlaLevel } from './sla';
import type { TicketStatus } from './transitions';

export type Priority = 'P1' | 'P2' | 'P3' | 'P4';
export type Channel = 'app' | 'hotline' | 'wechat' | 'web' | 'email' | 'internal' | 'system' | 'qr';

/* One row of the board (GET /v1/board: BoardTicket), its status narrowed
 * to the state machine's names and its clock to lib/sla.ts's. */
export type BoardRow = Omit<Schemas['BoardTicket'], 'status' | 'clock'> & {
  status: TicketStatus;
  clock: SlaClock;
};

/* ---- the live set of rows ------------------------------------------------------ */

export interface BoardDelta {
  full?: boolean;
  items?: BoardRow[];
  removed?: number[];
}

/* A snapshot replaces everything. */
export function fromSnapshot(items: readonly BoardRow[]): Map<number, BoardRow> {
  return new Map(items.map((r) => [r.id, r]));
}

/* Changes since the last cursor: upserts replace the row (or add it), removed
 * ids leave. A new map, so a reactive holder sees the change. Returns the ids
 * that changed, for a brief highlight. */
export function applyDelta(rows: ReadonlyMap<number, BoardRow>, delta: BoardDelta): { rows: Map<number, BoardRow>; changed: number[] } {
  const next = new Map(rows);
  const changed: number[] = [];
  for (const id of delta.removed ?? []) next.delete(id);
  for (const r of delta.items ?? []) {
    const before = next.get(r.id);
    // An older copy never replaces a newer one (a late answer).
    if (before && r.version < before.version) continue;
    next.set(r.id, r);
    changed.push(r.id);
  }
  return { rows: next, changed };
}

/* ---- columns ------------------------------------------------------------------ */

export type GroupKey = 'dispatch' | 'dispatched' | 'field' | 'paused' | 'closing';

/* The columns of the board and the statuses each holds. Declined and reopened
 * tickets wait for a (re)assignment like routed ones, so they share the
 * first column (their status tag tells them apart). Closed and cancelled
 * tickets leave the board. */
export const GROUPS: readonly { key: GroupKey; statuses: readonly TicketStatus[] }[] = [
  { key: 'dispatch', statuses: ['new', 'routed', 'declined', 'reopened'] },
  { key: 'dispatched', statuses: ['assigned', 'accepted'] },
  { key: 'field', statuses: ['en_route', 'on_site'] },
  { key: 'paused', statuses: ['waiting_customer'] },
  { key: 'closing', statuses: ['resolved', 'follow_up'] },
];

export const GROUP_KEYS: readonly GroupKey[] = GROUPS.map((g) => g.key);

/* The status most cards of a column have, which its cards need not repeat;
 * null where no one status is (the field column: en route or on site). */
export function primaryStatus(group: GroupKey): TicketStatus | null {
  const p: Record<GroupKey, TicketStatus | null> = {
    dispatch: 'routed', dispatched: 'assigned', field: null, paused: 'waiting_customer', closing: 'resolved',
  };
  return p[group];
}

export function groupOf(status: TicketStatus): GroupKey | null {
  return GROUPS.find((g) => g.statuses.includes(status))?.key ?? null;
}

const PRIORITY_RANK: Record<Priority, number> = { P1: 0, P2: 1, P3: 2, P4: 3 };
const LEVEL_RANK: Record<SlaLevel, number> = { overdue: 0, warn2: 1, warn1: 2, ok: 3, paused: 4, none: 5 };

/* Most urgent first: the worst clock level, then priority, then the least
 * time left, then the oldest. `view` gives each row's clock as it ticks. */
export function compareRows(
  a: BoardRow,
  b: BoardRow,
  view: (r: BoardRow) => { level: SlaLevel; secondsLeft: number | null },
): number {
  const va = view(a), vb = view(b);
  return (
    LEVEL_RANK[va.level] - LEVEL_RANK[vb.level] ||
    PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
    (va.secondsLeft ?? Infinity) - (vb.secondsLeft ?? Infinity) ||
    a.created_at.localeCompare(b.created_at) ||
    a.id - b.id
  );
}

export function groupRows(
  rows: Iterable<BoardRow>,
  view: (r: BoardRow) => { level: SlaLevel; secondsLeft: number | null },
): Record<GroupKey, BoardRow[]> {
  const out = Object.fromEntries(GROUP_KEYS.map((k) => [k, [] as BoardRow[]])) as Record<GroupKey, BoardRow[]>;
  for (const r of rows) {
    const g = groupOf(r.status);
    if (g) out[g].push(r);
  }
  for (const k of GROUP_KEYS) out[k].sort((a, b) => compareRows(a, b, view));
  return out;
}

/* ---- filters -------------------------------------------------------------------- */

export type AssigneeFilter = 'any' | 'me' | 'unassigned';

export interface BoardFilters {
  q: string;
  priority: Priority[];
  channel: Channel[];
  group: GroupKey[];
  assignee: AssigneeFilter;
  overdue: boolean;
  centre: string; // supervisors and admins: '' is every centre they see
}

export function emptyFilters(): BoardFilters {
  return { q: '', priority: [], channel: [], group: [], assignee: 'any', overdue: false, centre: '' };
}

export function activeFilterCount(f: BoardFilters): number {
  return (
    (f.q.trim() ? 1 : 0) + (f.priority.length ? 1 : 0) + (f.channel.length ? 1 : 0) + (f.group.length ? 1 : 0) +
    (f.assignee !== 'any' ? 1 : 0) + (f.overdue ? 1 : 0)
  );
}

/* What the search box looks in: number, title, customer, site, the unit's
 * serial and model, the assignee. Case and width of spaces do not matter. */
export function searchText(r: BoardRow): string {
  return [
    r.number, r.title, r.customer?.name, r.site?.name, r.asset?.serial, r.asset?.model, r.assignee?.username,
  ]
    .filter(Boolean)
    .join('\n')
    .toLowerCase();
}

export function matches(
  r: BoardRow,
  f: BoardFilters,
  ctx: { me: number | null; overdue: (r: BoardRow) => boolean },
): boolean {
  if (f.priority.length && !f.priority.includes(r.priority)) return false;
  if (f.channel.length && !f.channel.includes(r.channel)) return false;
  if (f.group.length) {
    const g = groupOf(r.status);
    if (!g || !f.group.includes(g)) return false;
  }
  if (f.assignee === 'unassigned' && r.assignee) return false;
  if (f.assignee === 'me' && (!r.assignee || r.assignee.id !== ctx.me)) return false;
  if (f.overdue && !ctx.overdue(r)) return false;
  const words = f.q.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length) {
    const text = searchText(r);
    if (!words.every((w) => text.includes(w))) return false;
  }
  return true;
}

/* ---- the filters in the address ------------------------------------------------- */

type Query = Record<string, string | null | (string | null)[] | undefined>;

const PRIORITIES: readonly Priority[] = ['P1', 'P2', 'P3', 'P4'];
export const CHANNELS: readonly Channel[] = ['hotline', 'wechat', 'app', 'web', 'email', 'internal', 'system', 'qr'];

function list<T extends string>(v: Query[string], allowed: readonly T[]): T[] {
  const raw = Array.isArray(v) ? v.join(',') : (v ?? '');
  const seen = new Set(raw.split(',').map((s) => s.trim()));
  return allowed.filter((a) => seen.has(a));
}

function one(v: Query[string]): string {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : '';
}

/* Unknown values are dropped, so an edited link never breaks the page. */
export function filtersFromQuery(q: Query): BoardFilters {
  const assignee = one(q.assignee);
  return {
    q: one(q.q).slice(0, 100),
    priority: list(q.priority, PRIORITIES),
    channel: list(q.channel, CHANNELS),
    group: list(q.group, GROUP_KEYS),
    assignee: assignee === 'me' || assignee === 'unassigned' ? assignee : 'any',
    overdue: one(q.overdue) === '1',
    centre: /^[A-Za-z0-9._-]{1,64}$/.test(one(q.centre)) ? one(q.centre) : '',
  };
}

/* Only what differs from the defaults, in a fixed order: short, stable links. */
export function filtersToQuery(f: BoardFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.centre) out.centre = f.centre;
  if (f.q.trim()) out.q = f.q.trim();
  if (f.priority.length) out.priority = PRIORITIES.filter((p) => f.priority.includes(p)).join(',');
  if (f.channel.length) out.channel = CHANNELS.filter((c) => f.channel.includes(c)).join(',');
  if (f.group.length) out.group = GROUP_KEYS.filter((g) => f.group.includes(g)).join(',');
  if (f.assignee !== 'any') out.assignee = f.assignee;
  if (f.overdue) out.overdue = '1';
  return out;
}
