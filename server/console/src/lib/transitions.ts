// The ticket state machine as the console knows it: the same table as
// server/domain/ticket_states.c (transitions.test.ts reads that file and fails
// when the two differ), and what each action's dialog asks for.
//
// Which actions a user may take now is the server's answer: every ticket it
// sends lists `allowed_actions` for the caller. allowedActions() uses that
// list; the table is the fallback for an answer without it, and the source of
// each action's members (the dialog's fields).

export type TicketStatus =
  | 'new' | 'routed' | 'assigned' | 'accepted' | 'declined' | 'en_route' | 'on_site'
  | 'waiting_customer' | 'resolved' | 'follow_up' | 'closed' | 'cancelled' | 'reopened';

export type TicketAction =
  | 'assign' | 'accept' | 'decline' | 'depart' | 'arrive' | 'resolve' | 'wait' | 'resume'
  | 'follow_up' | 'close' | 'cancel' | 'reopen' | 'reroute';

/* Who may take an action: the assigned technician, a dispatcher of the
 * centre (or a supervisor or admin), a supervisor (or admin). */
export type Actor = 'assignee' | 'dispatch' | 'supervisor';

/* What the request carries besides `action` and `note`. */
export type Member = 'assignee' | 'position' | 'work' | 'follow_up' | 'centre';

export interface Transition {
  action: TicketAction;
  from: readonly TicketStatus[];
  /* 'paused_status': back to the status before waiting on the customer. */
  to: TicketStatus | 'paused_status';
  by: readonly Actor[];
  members: readonly Member[];
  required: readonly Member[];
  noteRequired: boolean;
}

export const STATUSES: readonly TicketStatus[] = [
  'new', 'routed', 'assigned', 'accepted', 'declined', 'en_route', 'on_site',
  'waiting_customer', 'resolved', 'follow_up', 'closed', 'cancelled', 'reopened',
];

/* Final statuses: nothing more happens to the ticket but a reopen. */
export const FINAL: readonly TicketStatus[] = ['closed', 'cancelled'];

export const TRANSITIONS: readonly Transition[] = [
  { action: 'assign', from: ['routed', 'declined', 'reopened', 'assigned'], to: 'assigned', by: ['dispatch'], members: ['assignee'], required: ['assignee'], noteRequired: false },
  { action: 'accept', from: ['assigned'], to: 'accepted', by: ['assignee'], members: ['position'], required: [], noteRequired: false },
  { action: 'decline', from: ['assigned'], to: 'declined', by: ['assignee'], members: [], required: [], noteRequired: true },
  { action: 'depart', from: ['accepted'], to: 'en_route', by: ['assignee'], members: ['position'], required: [], noteRequired: false },
  { action: 'arrive', from: ['en_route'], to: 'on_site', by: ['assignee'], members: ['position'], required: ['position'], noteRequired: false },
  { action: 'resolve', from: ['on_site'], to: 'resolved', by: ['assignee'], members: ['work', 'position'], required: ['work'], noteRequired: false },
  { action: 'wait', from: ['routed', 'assigned', 'accepted', 'en_route', 'on_site', 'reopened'], to: 'waiting_customer', by: ['assignee', 'dispatch'], members: [], required: [], noteRequired: true },
  { action: 'resume', from: ['waiting_customer'], to: 'paused_status', by: ['assignee', 'dispatch'], members: [], required: [], noteRequired: false },
  { action: 'follow_up', from: ['resolved'], to: 'follow_up', by: ['dispatch'], members: [], required: [], noteRequired: false },
  { action: 'close', from: ['follow_up'], to: 'closed', by: ['dispatch'], members: ['follow_up'], required: ['follow_up'], noteRequired: false },
  { action: 'cancel', from: ['new', 'routed', 'assigned', 'accepted', 'declined', 'en_route', 'waiting_customer', 'reopened'], to: 'cancelled', by: ['dispatch'], members: [], required: [], noteRequired: true },
  { action: 'reopen', from: ['resolved', 'follow_up', 'closed'], to: 'reopened', by: ['dispatch'], members: [], required: [], noteRequired: true },
  { action: 'reroute', from: ['new', 'routed', 'declined', 'reopened', 'assigned'], to: 'routed', by: ['supervisor'], members: ['centre'], required: [], noteRequired: true },
];

export const ACTIONS: readonly TicketAction[] = TRANSITIONS.map((t) => t.action);

export function transition(action: TicketAction): Transition {
  const tr = TRANSITIONS.find((t) => t.action === action);
  if (!tr) throw new Error(`unknown action ${action}`);
  return tr;
}

/* Roles as core/policy.c grants them: PERM_TICKETS_DISPATCH (admin,
 * supervisor, dispatcher), PERM_TICKETS_REROUTE (admin, supervisor),
 * PERM_TICKETS_ASSIGNEE (technician). */
const ROLE_ACTS: Record<string, readonly Actor[]> = {
  admin: ['dispatch', 'supervisor'],
  supervisor: ['dispatch', 'supervisor'],
  dispatcher: ['dispatch'],
  technician: ['assignee'],
  sales: [],
  auditor: [],
};

export interface Caller {
  role: string;
  id: number;
}

/* The actions a caller may take on a ticket now: the server's list when the
 * answer has one (it always does today), otherwise the table's. Ordered as
 * the table, so the buttons keep their places. */
export function allowedActions(
  ticket: { status?: string; assignee?: { id?: number } | null; allowed_actions?: readonly string[] },
  caller: Caller | null,
): TicketAction[] {
  if (ticket.allowed_actions) {
    const given = new Set(ticket.allowed_actions);
    return ACTIONS.filter((a) => given.has(a));
  }
  if (!caller || !ticket.status) return [];
  const acts = ROLE_ACTS[caller.role] ?? [];
  return TRANSITIONS.filter((tr) => {
    if (!tr.from.includes(ticket.status as TicketStatus)) return false;
    return tr.by.some((who) =>
      who === 'assignee' ? acts.includes('assignee') && ticket.assignee?.id === caller.id : acts.includes(who),
    );
  }).map((tr) => tr.action);
}

/* How an action's button looks: the main way forward, a neutral step, or one
 * that stops or undoes work (cancel, decline). */
export function actionKind(action: TicketAction): 'primary' | 'default' | 'danger' {
  if (action === 'cancel' || action === 'decline') return 'danger';
  if (action === 'assign' || action === 'accept' || action === 'resolve' || action === 'close' || action === 'arrive' || action === 'depart' || action === 'follow_up')
    return 'primary';
  return 'default';
}

/* ---- the request body of an action ----------------------------------------- */

export interface PartInput {
  part_number: string;
  old_serial: string;
  new_serial: string;
  supplier: string;
  lot: string;
}

export interface ActionForm {
  note: string;
  assigneeId: number | null;
  latitude: number | null;
  longitude: number | null;
  centre: string;
  satisfaction: number | null;
  comment: string;
  faultCode: string;
  cause: string;
  actions: string;
  minutesSpent: number | null;
  parts: PartInput[];
}

export function emptyForm(): ActionForm {
  return {
    note: '', assigneeId: null, latitude: null, longitude: null, centre: '', satisfaction: null,
    comment: '', faultCode: '', cause: '', actions: '', minutesSpent: null, parts: [],
  };
}

/* A form field the user must fix before sending: the dialog shows it next to
 * the field, named like the API's JSON pointers. */
export interface FormProblem {
  field: string;
  key: string; // dispatch.action.problem.*
}

export function validateAction(action: TicketAction, f: ActionForm): FormProblem[] {
  const tr = transition(action);
  const out: FormProblem[] = [];
  if (tr.noteRequired && !f.note.trim()) out.push({ field: '/note', key: 'noteRequired' });
  if (tr.required.includes('assignee') && !f.assigneeId) out.push({ field: '/assignee_id', key: 'assigneeRequired' });
  if (tr.required.includes('centre') && !f.centre) out.push({ field: '/centre', key: 'centreRequired' });
  if (tr.required.includes('position') && (f.latitude === null || f.longitude === null))
    out.push({ field: '/latitude', key: 'positionRequired' });
  if (tr.required.includes('follow_up') && !f.satisfaction) out.push({ field: '/satisfaction', key: 'satisfactionRequired' });
  if (tr.required.includes('work')) {
    if (!f.cause.trim()) out.push({ field: '/work/cause', key: 'causeRequired' });
    if (!f.actions.trim()) out.push({ field: '/work/actions', key: 'actionsRequired' });
    if (f.minutesSpent === null || f.minutesSpent < 0) out.push({ field: '/work/minutes_spent', key: 'minutesRequired' });
    f.parts.forEach((p, i) => {
      if (!p.part_number.trim()) out.push({ field: `/work/parts/${i}/part_number`, key: 'partNumberRequired' });
      if (!p.new_serial.trim()) out.push({ field: `/work/parts/${i}/new_serial`, key: 'newSerialRequired' });
    });
  }
  return out;
}

export interface TransitionBody {
  action: TicketAction;
  note?: string;
  assignee_id?: number;
  latitude?: number;
  longitude?: number;
  centre?: string;
  satisfaction?: number;
  comment?: string;
  work?: {
    fault_code?: string;
    cause: string;
    actions: string;
    minutes_spent: number;
    parts?: { part_number: string; new_serial: string; old_serial?: string; supplier?: string; lot?: string }[];
  };
  device_time?: string;
}

/* The body POST /v1/tickets/{id}/transitions takes for an action: exactly
 * its members (the server answers 400 for a member the action does not use). */
export function transitionBody(action: TicketAction, f: ActionForm): TransitionBody {
  const tr = transition(action);
  const body: TransitionBody = { action };
  if (f.note.trim()) body.note = f.note.trim();
  if (tr.members.includes('assignee') && f.assigneeId) body.assignee_id = f.assigneeId;
  if (tr.members.includes('position') && f.latitude !== null && f.longitude !== null) {
    body.latitude = f.latitude;
    body.longitude = f.longitude;
  }
  if (tr.members.includes('centre') && f.centre) body.centre = f.centre;
  if (tr.members.includes('follow_up')) {
    if (f.satisfaction) body.satisfaction = f.satisfaction;
    if (f.comment.trim()) body.comment = f.comment.trim();
  }
  if (tr.members.includes('work')) {
    const opt = (s: string) => (s.trim() ? s.trim() : undefined);
    body.work = {
      cause: f.cause.trim(),
      actions: f.actions.trim(),
      minutes_spent: f.minutesSpent ?? 0,
    };
    if (f.faultCode.trim()) body.work.fault_code = f.faultCode.trim();
    if (f.parts.length)
      body.work.parts = f.parts.map((p) => {
        const part: NonNullable<NonNullable<TransitionBody['work']>['parts']>[number] = {
          part_number: p.part_number.trim(),
          new_serial: p.new_serial.trim(),
        };
        const old = opt(p.old_serial), supplier = opt(p.supplier), lot = opt(p.lot);
        if (old) part.old_serial = old;
        if (supplier) part.supplier = supplier;
        if (lot) part.lot = lot;
        return part;
      });
  }
  return body;
}

/* If-Match for a ticket of this version (GET /v1/tickets/{id}: ETag "v<version>"). */
export function ifMatch(version: number | undefined): Record<string, string> {
  return version ? { 'If-Match': `"v${version}"` } : {};
}
