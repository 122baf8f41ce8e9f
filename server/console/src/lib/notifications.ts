// Where a notification leads in the console (issue 17: "a notification or an
// email can open the right page"), from its kind and its data (the ids the
// server put there for the app: server/api/ticket_flow.c, domain/escalation.c,
// domain/warranty.c, domain/problems.c). One table, one test.
import type { Schemas } from '@/api/client';

export type Notification = Schemas['Notification'];

/* The kinds the server sends today, for their labels (i18n
 * notifications.kind.<kind with _ for .>). */
export const KNOWN_KINDS = [
  'ticket.assigned',
  'sla.warning',
  'sla.escalation',
  'warranty.digest',
  'problem.opened',
  'assist.requested',
  'assist.accepted',
  'assist.unanswered',
] as const;

function id(data: Record<string, unknown>, key: string): number | null {
  const v = data[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/* The console path (under /console/) a notification opens, or null when it
 * names nothing to open. Known kinds first; then, for kinds added later, the
 * first id the data carries (a ticket, a problem, an article, a unit, a
 * customer). */
export function notificationLink(n: { kind: string; data: unknown }): string | null {
  const data = (n.data ?? {}) as Record<string, unknown>;
  const ticket = id(data, 'ticket_id');
  switch (n.kind) {
    case 'ticket.assigned':
    case 'sla.warning':
    case 'sla.escalation':
      return ticket ? `/tickets/${ticket}` : null;
    case 'warranty.digest': {
      // A digest of several units is the warranty desk's list; one unit, its page.
      const units = Array.isArray(data.units) ? (data.units as Record<string, unknown>[]) : [];
      const only = units.length === 1 && units[0] ? id(units[0], 'asset_id') : null;
      return only ? `/assets/${only}` : '/warranty';
    }
    case 'assist.requested':
    case 'assist.accepted':
    case 'assist.unanswered': {
      // The call page (accept, join); the request's own page if the
      // notification carries no session id.
      const a = id(data, 'session_id') ?? id(data, 'assist_id');
      return a ? `/assist/${a}` : ticket ? `/tickets/${ticket}` : '/assist';
    }
    case 'problem.opened': {
      const p = id(data, 'problem_id');
      return p ? `/problems/${p}` : '/problems';
    }
  }
  if (n.kind.startsWith('kb.')) {
    const a = id(data, 'article_id');
    return a ? `/kb/${a}` : '/kb';
  }
  const routes: [string, string][] = [
    ['ticket_id', '/tickets/'],
    ['problem_id', '/problems/'],
    ['article_id', '/kb/'],
    ['asset_id', '/assets/'],
    ['customer_id', '/customers/'],
  ];
  for (const [key, path] of routes) {
    const v = id(data, key);
    if (v) return `${path}${v}`;
  }
  return null;
}

/* The i18n key of a kind's label, or null for a kind the console does not
 * know yet (its raw name is shown then). */
export function kindKey(kind: string): string | null {
  return (KNOWN_KINDS as readonly string[]).includes(kind) ? `notifications.kind.${kind.replace('.', '_')}` : null;
}

/* The bell's badge: "99+" past 99; "100+" style when the server has more
 * than one page of unread ones. */
export function badgeText(count: number, more: boolean): string {
  if (count > 99) return '99+';
  return more ? `${count}+` : String(count);
}
