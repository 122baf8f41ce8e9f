import ticketStatesC from '../../../domain/ticket_states.c?raw';
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  STATUSES,
  TRANSITIONS,
  allowedActions,
  emptyForm,
  ifMatch,
  transition,
  transitionBody,
  validateAction,
  type Member,
  type TicketAction,
} from './transitions';

/* The server's table, read from its source: each { TA_X, "x", from, to, by,
 * members, required, note_required } entry of transitions[]. */
function serverTable() {
  const src = ticketStatesC;
  const body = src.slice(src.indexOf('transitions[TA__COUNT] = {'), src.indexOf('_Static_assert(TS__COUNT'));
  const entries = [...body.matchAll(/\{\s*TA_\w+,\s*"(\w+)",([\s\S]*?)\},?\n/g)];
  const memberName: Record<string, Member> = {
    M_ASSIGNEE: 'assignee', M_POSITION: 'position', M_WORK: 'work', M_FOLLOW_UP: 'follow_up', M_CENTRE: 'centre',
  };
  const actorName: Record<string, string> = { BY_ASSIGNEE: 'assignee', BY_DISPATCH: 'dispatch', BY_SUPERVISOR: 'supervisor' };
  const bits = (s: string, names: Record<string, string>) =>
    s.trim() === '0' ? [] : s.split('|').map((b) => names[b.trim()] ?? `?${b.trim()}`).sort();
  return entries.map(([, action, rest]) => {
    const flat = (rest ?? '').replace(/\s+/g, ' ');
    const from = [...flat.matchAll(/TS_BIT\((\w+)\)/g)].map((m) => m[1]).sort();
    const afterFrom = flat.slice(flat.lastIndexOf('TS_BIT(') >= 0 ? flat.indexOf(',', flat.lastIndexOf('TS_BIT(')) + 1 : 0);
    const parts = afterFrom.split(',').map((p: string) => p.trim()).filter(Boolean);
    const [to, by, members, required, note] = parts;
    return {
      action,
      from,
      to: to === 'TS__PAUSED' ? 'paused_status' : (to ?? '').replace(/^TS_/, ''),
      by: bits(by ?? '', actorName),
      members: bits(members ?? '', memberName),
      required: bits(required ?? '', memberName),
      noteRequired: note === '1',
    };
  });
}

describe('the transition table', () => {
  it('is the server table (server/domain/ticket_states.c)', () => {
    const server = serverTable();
    expect(server.length).toBe(13);
    const mine = TRANSITIONS.map((t) => ({
      action: t.action,
      from: [...t.from].sort(),
      to: t.to,
      by: [...t.by].sort(),
      members: [...t.members].sort(),
      required: [...t.required].sort(),
      noteRequired: t.noteRequired,
    }));
    expect(mine).toEqual(server);
  });
  it('names only statuses of the API', () => {
    for (const t of TRANSITIONS) for (const s of t.from) expect(STATUSES).toContain(s);
  });
});

describe('allowedActions', () => {
  it('uses the list the server gave, in the table order', () => {
    expect(allowedActions({ status: 'routed', allowed_actions: ['cancel', 'assign', 'wait'] }, null)).toEqual([
      'assign', 'wait', 'cancel',
    ]);
    expect(allowedActions({ status: 'routed', allowed_actions: [] }, { role: 'admin', id: 1 })).toEqual([]);
  });
  it('derives from the table when the answer has no list', () => {
    const dispatcher = { role: 'dispatcher', id: 3 };
    expect(allowedActions({ status: 'routed' }, dispatcher)).toEqual(['assign', 'wait', 'cancel']);
    expect(allowedActions({ status: 'routed' }, { role: 'supervisor', id: 2 })).toEqual([
      'assign', 'wait', 'cancel', 'reroute',
    ]);
    expect(allowedActions({ status: 'resolved' }, dispatcher)).toEqual(['follow_up', 'reopen']);
    expect(allowedActions({ status: 'closed' }, dispatcher)).toEqual(['reopen']);
    expect(allowedActions({ status: 'cancelled' }, dispatcher)).toEqual([]);
  });
  it('gives the technician only the jobs assigned to them', () => {
    const tech = { role: 'technician', id: 4 };
    expect(allowedActions({ status: 'assigned', assignee: { id: 4 } }, tech)).toEqual(['accept', 'decline', 'wait']);
    expect(allowedActions({ status: 'assigned', assignee: { id: 9 } }, tech)).toEqual([]);
    expect(allowedActions({ status: 'on_site', assignee: { id: 4 } }, tech)).toEqual(['resolve', 'wait']);
  });
  it('gives sales and auditors nothing', () => {
    expect(allowedActions({ status: 'routed' }, { role: 'sales', id: 6 })).toEqual([]);
    expect(allowedActions({ status: 'routed' }, { role: 'auditor', id: 7 })).toEqual([]);
  });
});

describe('an action request', () => {
  it('asks for a note where the server requires one', () => {
    const need = ACTIONS.filter((a) => validateAction(a, { ...emptyForm(), assigneeId: 1, centre: 'C', latitude: 1, longitude: 1, satisfaction: 5, cause: 'c', actions: 'a', minutesSpent: 1 }).length > 0);
    expect(need.sort()).toEqual((['cancel', 'decline', 'reopen', 'reroute', 'wait'] as TicketAction[]).sort());
    expect(validateAction('wait', { ...emptyForm(), note: '   ' })).toEqual([{ field: '/note', key: 'noteRequired' }]);
  });
  it('asks for each required member, named as the API names it', () => {
    expect(validateAction('assign', emptyForm()).map((p) => p.field)).toEqual(['/assignee_id']);
    // Without a centre the server routes it again, away from the current one.
    expect(validateAction('reroute', emptyForm()).map((p) => p.field)).toEqual(['/note']);
    expect(validateAction('close', emptyForm()).map((p) => p.field)).toEqual(['/satisfaction']);
    expect(validateAction('arrive', emptyForm()).map((p) => p.field)).toEqual(['/latitude']);
    const resolve = validateAction('resolve', { ...emptyForm(), parts: [{ part_number: '', old_serial: '', new_serial: '', supplier: '', lot: '' }] });
    expect(resolve.map((p) => p.field)).toEqual([
      '/work/cause', '/work/actions', '/work/minutes_spent', '/work/parts/0/part_number', '/work/parts/0/new_serial',
    ]);
    expect(validateAction('accept', emptyForm())).toEqual([]);
  });
  it('sends exactly the members of the action', () => {
    const f = {
      ...emptyForm(), note: ' on my way ', assigneeId: 4, centre: 'C-GZ', latitude: 22.5, longitude: 113.9,
      satisfaction: 4, comment: ' ok ', cause: 'c', actions: 'a', minutesSpent: 30, faultCode: ' E21 ',
      parts: [{ part_number: 'P1', old_serial: '', new_serial: 'N1', supplier: 'S', lot: '' }],
    };
    expect(transitionBody('assign', f)).toEqual({ action: 'assign', note: 'on my way', assignee_id: 4 });
    expect(transitionBody('reroute', f)).toEqual({ action: 'reroute', note: 'on my way', centre: 'C-GZ' });
    expect(transitionBody('close', f)).toEqual({ action: 'close', note: 'on my way', satisfaction: 4, comment: 'ok' });
    expect(transitionBody('depart', f)).toEqual({ action: 'depart', note: 'on my way', latitude: 22.5, longitude: 113.9 });
    expect(transitionBody('resolve', f)).toEqual({
      action: 'resolve', note: 'on my way', latitude: 22.5, longitude: 113.9,
      work: { cause: 'c', actions: 'a', minutes_spent: 30, fault_code: 'E21', parts: [{ part_number: 'P1', new_serial: 'N1', supplier: 'S' }] },
    });
    expect(transitionBody('follow_up', emptyForm())).toEqual({ action: 'follow_up' });
  });
  it('sends If-Match with the version the page shows', () => {
    expect(ifMatch(7)).toEqual({ 'If-Match': '"v7"' });
    expect(ifMatch(undefined)).toEqual({});
  });
  it('knows every action', () => {
    expect(() => transition('nope' as TicketAction)).toThrow();
  });
});
