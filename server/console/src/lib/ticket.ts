// The ticket as GET /v1/tickets/{id} sends it, typed by docs/openapi.json
// (Ticket, TicketHistoryEntry, TicketWork). history and work come only with
// single-ticket answers: asTicket() makes them always there.
import type { Schemas } from '@/api/client';
import type { TicketStatus } from './transitions';

export type HistoryEntry = Schemas['TicketHistoryEntry'];
export type WorkRecord = Schemas['TicketWork'];

type Raw = Schemas['Ticket'];

export type Ticket = Omit<Raw, 'history' | 'work' | 'status'> & {
  status: TicketStatus;
  history: HistoryEntry[];
  work: WorkRecord | null;
};

export function asTicket(raw: Raw): Ticket {
  return { ...raw, history: raw.history ?? [], work: raw.work ?? null };
}

/* Is work left on the ticket (not resolved, followed up, closed or cancelled)?
 * Its clock runs only then. */
export function isOpen(status: string | undefined): boolean {
  return !['resolved', 'follow_up', 'closed', 'cancelled'].includes(status ?? '');
}

export type Candidate = Schemas['DispatchCandidates']['items'][number];

/* The key (dispatch.history.action.*) of a history entry's action, or null
 * for one this console does not name (shown as the server wrote it). */
const KNOWN_EVENTS = new Set([
  'create', 'route', 'assign', 'accept', 'decline', 'depart', 'arrive', 'resolve', 'wait', 'resume',
  'follow_up', 'close', 'cancel', 'reopen', 'reroute', 'checkin', 'attachment', 'sla_warning', 'escalate', 'escalation_acknowledged',
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
