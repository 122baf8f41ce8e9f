// The knowledge base's rules as the console uses them. The server decides
// (server/api/kb.c): an article's `allowed_actions` says what the caller may
// do with it now, and the buttons follow it. Only what no article answers yet
// (may this role draft a new article, say whether one solved a ticket, pick
// a status) comes from the role rules documented in docs/openapi.json, here.
import type { Schemas } from '@/api/client';
import type { Role } from '@/lib/roles';

export type KbArticle = Schemas['KbArticle'];
export type KbStatus = KbArticle['status'];
export type KbAction = KbArticle['allowed_actions'][number];
export type KbTransitionAction = Exclude<KbAction, 'edit'>;

export const KB_STATUSES: readonly KbStatus[] = ['draft', 'reviewed', 'published', 'retired'];

/* POST /v1/kb/articles: "Roles: admin, supervisor, technician". */
export function canDraft(role: Role): boolean {
  return role === 'admin' || role === 'supervisor' || role === 'technician';
}

/* POST /v1/kb/articles/{id}/feedback: "Roles: admin, supervisor, dispatcher,
 * technician", on published articles. */
export function canGiveFeedback(role: Role, article: Pick<KbArticle, 'status'>): boolean {
  const r = role === 'admin' || role === 'supervisor' || role === 'dispatcher' || role === 'technician';
  return r && article.status === 'published';
}

/* Admins, supervisors and auditors see every article in every status; the
 * others see published ones and their own drafts (the status filter still
 * finds those). */
export function seesEveryArticle(role: Role): boolean {
  return role === 'admin' || role === 'supervisor' || role === 'auditor';
}

/* The review buttons in workflow order, the one that moves the article on
 * first. "edit" is a link, not a transition. */
const ORDER: KbTransitionAction[] = ['review', 'publish', 'reopen', 'retire'];

export function transitionsOf(allowed: readonly KbAction[]): KbTransitionAction[] {
  return ORDER.filter((a) => allowed.includes(a));
}

/* Which transitions end an article's life in search: confirmed with care. */
export function isDestructive(a: KbTransitionAction): boolean {
  return a === 'retire';
}

export type TagType = 'primary' | 'success' | 'warning' | 'info' | 'danger';

export function statusTagType(s: string): TagType {
  switch (s) {
    case 'published': return 'success';
    case 'reviewed': return 'primary';
    case 'draft': return 'warning';
    default: return 'info';
  }
}

/* The ticket a feedback answer is about: its number as people write it
 * (FT-000123, ft-123, 123). null when it is not one. */
export function parseTicketRef(s: string): number | null {
  const m = s.trim().match(/^(?:FT-?)?0*(\d{1,15})$/i);
  if (!m?.[1]) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function ticketNumber(id: number): string {
  return `FT-${String(id).padStart(6, '0')}`;
}

/* Fault codes as the server stores them: A-Z a-z 0-9 . _ -, at most 64,
 * upper-cased. */
export function normalizeFaultCode(s: string): string | null {
  const c = s.trim();
  return /^[A-Za-z0-9._-]{1,64}$/.test(c) ? c.toUpperCase() : null;
}

/* The editor's form. `language` '' lets the server detect it. */
export interface KbDraft {
  title: string;
  symptoms: string;
  cause: string;
  solution: string;
  safety_notes: string;
  language: '' | 'zh' | 'en' | 'mixed';
  product_lines: string[];
  models: string[];
  fault_codes: string[];
}

export function emptyDraft(): KbDraft {
  return {
    title: '', symptoms: '', cause: '', solution: '', safety_notes: '', language: '',
    product_lines: [], models: [], fault_codes: [],
  };
}

export function draftOf(a: KbArticle): KbDraft {
  return {
    title: a.title, symptoms: a.symptoms, cause: a.cause, solution: a.solution,
    safety_notes: a.safety_notes, language: a.language,
    product_lines: [...a.product_lines], models: [...a.models], fault_codes: [...a.fault_codes],
  };
}

export type KbInput = Schemas['KbArticleInput'];

/* The body of POST (and PATCH: every member sent, links replaced). A language
 * left to the server is not sent, so it is detected again from the text. */
export function inputOf(d: KbDraft): KbInput {
  const body: KbInput = {
    title: d.title.trim(),
    symptoms: d.symptoms,
    cause: d.cause,
    solution: d.solution,
    safety_notes: d.safety_notes,
    product_lines: d.product_lines,
    models: d.models,
    fault_codes: d.fault_codes.map((c) => normalizeFaultCode(c) ?? c),
  };
  if (d.language) body.language = d.language;
  return body;
}

/* A problem's field ("/title", "/models/1", "title") as the editor's field
 * name, so the message shows next to the input it is about. */
export function draftField(pointer: string | undefined): keyof KbDraft | null {
  if (!pointer) return null;
  const name = pointer.replace(/^\//, '').split('/')[0] ?? '';
  const fields: (keyof KbDraft)[] = [
    'title', 'symptoms', 'cause', 'solution', 'safety_notes', 'language',
    'product_lines', 'models', 'fault_codes',
  ];
  return (fields as string[]).includes(name) ? (name as keyof KbDraft) : null;
}
