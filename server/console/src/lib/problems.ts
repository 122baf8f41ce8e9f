// Recurring problems (GET/PATCH /v1/problems): how a problem's shared factor
// reads, its status colour, and the PATCH a supervisor's form amounts to.
import type { Schemas } from '@/api/client';

export type Problem = Schemas['RecurringProblem'];
export type ProblemDetail = Schemas['RecurringProblemDetail'];
export type ProblemStatus = Problem['status'];
export type ProblemPatch = Schemas['RecurringProblemPatch'];

export const PROBLEM_STATUSES: readonly ProblemStatus[] = ['open', 'investigating', 'corrective_action', 'closed'];

/* The i18n key (analytics.problems.factor.<kind>) and its parameters. */
export function factorText(f: Problem['factor']): { kind: Problem['factor']['kind']; params: Record<string, string> } {
  switch (f.kind) {
    case 'lot': return { kind: 'lot', params: { part: f.part_number ?? '', lot: f.lot ?? '' } };
    case 'batch': return { kind: 'batch', params: { batch: f.batch ?? '' } };
    case 'revision': return { kind: 'revision', params: { model: f.model?.code ?? '', revision: f.design_revision ?? '' } };
    default: return { kind: 'model', params: { model: f.model?.code ?? '' } };
  }
}

export function statusTone(s: ProblemStatus): 'bad' | 'warn' | 'info' | 'ok' {
  return s === 'open' ? 'bad' : s === 'investigating' ? 'warn' : s === 'corrective_action' ? 'info' : 'ok';
}

export interface ProblemForm {
  owner_id: number | null;
  status: ProblemStatus;
  corrective_action: string;
}

export function formFrom(p: Problem): ProblemForm {
  return { owner_id: p.owner?.id ?? null, status: p.status, corrective_action: p.corrective_action ?? '' };
}

/* Only what changed; null when nothing did. */
export function problemPatch(p: Problem, f: ProblemForm): ProblemPatch | null {
  const patch: ProblemPatch = {};
  if ((p.owner?.id ?? null) !== f.owner_id) patch.owner_id = f.owner_id;
  if (p.status !== f.status) patch.status = f.status;
  if ((p.corrective_action ?? '') !== f.corrective_action) patch.corrective_action = f.corrective_action;
  return Object.keys(patch).length ? patch : null;
}

/* What the server would refuse, said before asking it: corrective_action and
 * closed need the corrective action written; at most 2000 characters. */
export function problemFormError(f: ProblemForm): 'needsAction' | 'tooLong' | null {
  if ((f.status === 'corrective_action' || f.status === 'closed') && !f.corrective_action.trim()) return 'needsAction';
  if (f.corrective_action.length > 2000) return 'tooLong';
  return null;
}
