// The ticket as GET /v1/tickets/{id} sends it. docs/openapi.json leaves
// site, asset, assignee, history, work and follow_up as bare objects (so the
// generated types say Record<string, never>); these are their shapes as
// server/domain/tickets.c writes them. One cast, here, in asTicket().
import type { Schemas } from '@/api/client';
import type { TicketStatus } from './transitions';

export interface HistoryEntry {
  seq: number;
  at: string;
  device_at: string | null;
  action: string;
  from: string | null;
  to: string;
  actor_id: number | null;
  actor?: string;
  note: string;
  location: { latitude: number; longitude: number } | null;
  detail: Record<string, unknown>;
}

export interface WorkRecord {
  fault_code: string;
  cause: string;
  actions: string;
  minutes_spent: number;
  recorded_by: number | null;
  recorded_at: string;
  parts: { part_number: string; old_serial: string; new_serial: string; supplier: string; lot: string }[];
}

type Raw = Schemas['Ticket'];

export type Ticket = Omit<Raw, 'site' | 'asset' | 'assignee' | 'history' | 'work' | 'follow_up' | 'status' | 'id' | 'number' | 'version'> & {
  id: number;
  number: string;
  status: TicketStatus;
  version: number;
  site: { id: number; name: string } | null;
  asset: { id: number; serial: string; model: string } | null;
  assignee: { id: number; username: string } | null;
  follow_up: { satisfaction: number; comment: string } | null;
  history: HistoryEntry[];
  work: WorkRecord | null;
};

export function asTicket(raw: Raw): Ticket {
  const t = raw as unknown as Ticket;
  return { ...t, history: t.history ?? [], work: t.work ?? null, follow_up: t.follow_up ?? null };
}

/* Is work left on the ticket (not resolved, followed up, closed or cancelled)?
 * Its clock runs only then. */
export function isOpen(status: string | undefined): boolean {
  return !['resolved', 'follow_up', 'closed', 'cancelled'].includes(status ?? '');
}

export type Candidate = NonNullable<Schemas['DispatchCandidates']['items']>[number] & { display_name?: string };

/* The key (dispatch.history.action.*) of a history entry's action, or null
 * for one this console does not name (shown as the server wrote it). */
const KNOWN_EVENTS = new Set([
  'create', 'route', 'assign', 'accept', 'decline', 'depart', 'arrive', 'resolve', 'wait', 'resume',
  'follow_up', 'close', 'cancel', 'reopen', 'reroute', 'checkin', 'attachment', 'sla_warning', 'escalate',
]);

export function eventKey(action: string): string | null {
  return KNOWN_EVENTS.has(action) ? action : null;
}

/* The few detail members worth a line in the history, as [key, value]. */
export function eventDetails(e: HistoryEntry): [string, string][] {
  const d = e.detail ?? {};
  const out: [string, string][] = [];
  const pick = (k: string) => {
    const v = d[k];
    if (v === undefined || v === null || v === '') return;
    out.push([k, Array.isArray(v) ? v.join(', ') : String(v)]);
  };
  for (const k of ['centre', 'assignee', 'target', 'level', 'percent', 'after_percent', 'fault_code', 'minutes_spent', 'satisfaction', 'paused_seconds', 'complaint_ticket_id', 'device_time_rejected'])
    pick(k);
  return out;
}

/* "12.3 MB" style sizes in the current language. */
export function formatBytes(n: number, locale: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v)} ${units[i]}`;
}
