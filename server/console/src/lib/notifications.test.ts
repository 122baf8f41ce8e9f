import { describe, expect, it } from 'vitest';
import { badgeText, kindKey, notificationLink } from './notifications';

const n = (kind: string, data: Record<string, unknown>) => ({ kind, data });

describe('notificationLink', () => {
  it('ticket kinds open the request', () => {
    const event = { ticket_id: 12, number: 'FT-000012', action: 'assign', status: 'assigned' };
    expect(notificationLink(n('ticket.assigned', event))).toBe('/tickets/12');
    expect(notificationLink(n('sla.warning', { ticket_id: 7, level: 80 }))).toBe('/tickets/7');
    expect(notificationLink(n('sla.escalation', { ticket_id: 8 }))).toBe('/tickets/8');
  });
  it('a warranty digest opens the desk, or the unit when it is one', () => {
    const unit = (id: number) => ({ asset_id: id, serial: 'S', customer_id: 3 });
    expect(notificationLink(n('warranty.digest', { date: '2026-01-01', units: [unit(4), unit(5)] }))).toBe('/warranty');
    expect(notificationLink(n('warranty.digest', { date: '2026-01-01', units: [unit(4)] }))).toBe('/assets/4');
    expect(notificationLink(n('warranty.digest', {}))).toBe('/warranty');
  });
  it('a problem opens the problem', () => {
    expect(notificationLink(n('problem.opened', { problem_id: 3, ticket_ids: [1, 2] }))).toBe('/problems/3');
    expect(notificationLink(n('problem.opened', {}))).toBe('/problems');
  });
  it('a knowledge-base notification opens the article', () => {
    expect(notificationLink(n('kb.article.published', { article_id: 9 }))).toBe('/kb/9');
    expect(notificationLink(n('kb.review_requested', {}))).toBe('/kb');
  });
  it('unknown kinds follow the first id their data carries', () => {
    expect(notificationLink(n('ticket.reopened', { ticket_id: 5, asset_id: 2 }))).toBe('/tickets/5');
    expect(notificationLink(n('asset.moved', { asset_id: 2 }))).toBe('/assets/2');
    expect(notificationLink(n('customer.changed', { customer_id: '6' }))).toBe('/customers/6');
    expect(notificationLink(n('something', { note: 'x' }))).toBeNull();
  });
  it('refuses ids that are not positive integers', () => {
    expect(notificationLink(n('ticket.assigned', { ticket_id: '../admin' }))).toBeNull();
    expect(notificationLink(n('ticket.assigned', { ticket_id: -1 }))).toBeNull();
    expect(notificationLink(n('ticket.assigned', { ticket_id: 1.5 }))).toBeNull();
    expect(notificationLink(n('ticket.assigned', null as never))).toBeNull();
  });
});

describe('kinds and badge', () => {
  it('known kinds have a label key', () => {
    expect(kindKey('sla.warning')).toBe('notifications.kind.sla_warning');
    expect(kindKey('new.kind')).toBeNull();
    expect(kindKey('assist.requested')).toBe('notifications.kind.assist_requested');
  });
  it('badge text', () => {
    expect(badgeText(0, false)).toBe('0');
    expect(badgeText(5, false)).toBe('5');
    expect(badgeText(100, true)).toBe('99+');
    expect(badgeText(50, true)).toBe('50+');
  });
});

describe('assistance notifications', () => {
  it('open the call page, else the request, else the list', () => {
    expect(notificationLink({ kind: 'assist.requested', data: { session_id: 4, ticket_id: 9 } })).toBe('/assist/4');
    expect(notificationLink({ kind: 'assist.accepted', data: { ticket_id: 9 } })).toBe('/tickets/9');
    expect(notificationLink({ kind: 'assist.unanswered', data: {} })).toBe('/assist');
  });
});
