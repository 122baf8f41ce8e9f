// The intake form's logic: what a caller's request is about, what the
// channel requires, the body of POST /v1/tickets, and which field a problem
// the API names belongs to.
import type { Schemas } from '@/api/client';

export type IntakeChannel = 'hotline' | 'wechat' | 'web' | 'email' | 'internal';
export const INTAKE_CHANNELS: readonly IntakeChannel[] = ['hotline', 'wechat', 'web', 'email', 'internal'];

/* Channels where the server requires the caller's name and phone. */
export function needsContact(channel: string): boolean {
  return channel === 'hotline' || channel === 'wechat' || channel === 'web' || channel === 'email';
}

/* What the request is about: a unit (found by serial, from a customer's
 * list, or by its scanned code), or a customer as a whole. */
export type Target =
  | { kind: 'asset'; trace: Schemas['AssetTrace']; code: string | null }
  | { kind: 'customer'; customer: Schemas['Customer'] };

export function targetTier(t: Target | null): string | null {
  if (!t) return null;
  if (t.kind === 'customer') return t.customer.tier;
  return t.trace.installation.customer?.tier ?? null;
}

/* The code inside what a scanner typed or a user pasted: the bare code, or
 * the whole identification link (…/id/<code>, with or without a query). */
export function extractCode(input: string): string {
  const s = input.trim();
  const m = s.match(/\/id\/([0-9A-Za-z]+)/);
  return (m?.[1] ?? s).toUpperCase();
}

export interface IntakeForm {
  channel: IntakeChannel;
  contactName: string;
  contactPhone: string;
  category: string; // top-level, only to narrow the choice
  subcategory: string; // what the API calls `category`
  impact: 'unit' | 'site' | 'grid';
  urgency: 'high' | 'medium' | 'low';
  title: string;
  description: string;
}

export function emptyIntake(): IntakeForm {
  return {
    channel: 'hotline', contactName: '', contactPhone: '', category: '', subcategory: '', impact: 'unit',
    urgency: 'medium', title: '', description: '',
  };
}

/* Problems the browser can see before sending, by the API's pointer, as
 * keys of dispatch.intake.problem. The server checks everything again. */
export function validateIntake(f: IntakeForm, target: Target | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!target) out['/asset_id'] = 'unitRequired';
  if (!f.subcategory) out['/category'] = 'categoryRequired';
  if (!f.title.trim()) out['/title'] = 'titleRequired';
  if (needsContact(f.channel)) {
    if (!f.contactName.trim()) out['/contact/name'] = 'contactNameRequired';
    if (!f.contactPhone.trim()) out['/contact/phone'] = 'contactPhoneRequired';
  }
  return out;
}

export type TicketCreate = Schemas['TicketCreate'];

export function intakeBody(f: IntakeForm, target: Target, clientId: string): TicketCreate {
  const body: TicketCreate = {
    channel: f.channel,
    category: f.subcategory,
    title: f.title.trim(),
    impact: f.impact,
    urgency: f.urgency,
    client_id: clientId,
  };
  if (f.description.trim()) body.description = f.description.trim();
  if (target.kind === 'asset') {
    if (target.code) body.code = target.code;
    else body.asset_id = target.trace.id;
  } else body.customer_id = target.customer.id;
  if (f.contactName.trim() || f.contactPhone.trim())
    body.contact = { name: f.contactName.trim(), phone: f.contactPhone.trim() };
  return body;
}

/* The form field a problem's pointer belongs to: the unit finder answers
 * for the target's members. */
export function fieldOf(pointer: string | undefined): string | null {
  if (!pointer) return null;
  const p = pointer.startsWith('/') ? pointer : `/${pointer}`;
  if (p === '/code' || p === '/asset_id' || p === '/customer_id' || p === '/site_id') return '/asset_id';
  if (['/contact/name', '/contact/phone', '/category', '/title', '/description', '/impact', '/urgency', '/channel'].includes(p)) return p;
  if (p === '/contact') return '/contact/phone';
  return null;
}
