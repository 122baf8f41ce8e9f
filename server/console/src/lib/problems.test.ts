import { describe, expect, it } from 'vitest';
import { factorText, formFrom, problemFormError, problemPatch, statusTone, type Problem } from './problems';

const p: Problem = {
  id: 1, status: 'open', factor: { kind: 'lot', fault_code: 'E-21', part_number: 'LZZBJ9-10', lot: 'L2402' },
  owner: null, corrective_action: '', ticket_count: 3, opened_at: '2026-12-07T17:32:11Z', version: 1,
};

describe('problems', () => {
  it('reads each factor kind', () => {
    expect(factorText(p.factor)).toEqual({ kind: 'lot', params: { part: 'LZZBJ9-10', lot: 'L2402' } });
    expect(factorText({ kind: 'batch', fault_code: 'x', batch: 'B1' })).toEqual({ kind: 'batch', params: { batch: 'B1' } });
    expect(factorText({ kind: 'revision', fault_code: 'x', model: { id: 1, code: 'KYN28-12' }, design_revision: 'C' }))
      .toEqual({ kind: 'revision', params: { model: 'KYN28-12', revision: 'C' } });
    expect(factorText({ kind: 'model', fault_code: 'x', model: { id: 1, code: 'M' } })).toEqual({ kind: 'model', params: { model: 'M' } });
  });

  it('status tones', () => {
    expect(['open', 'investigating', 'corrective_action', 'closed'].map((s) => statusTone(s as Problem['status']))).toEqual(['bad', 'warn', 'info', 'ok']);
  });

  it('patches only what changed', () => {
    const f = formFrom(p);
    expect(problemPatch(p, f)).toBeNull();
    expect(problemPatch(p, { ...f, owner_id: 2, status: 'investigating' })).toEqual({ owner_id: 2, status: 'investigating' });
    expect(problemPatch({ ...p, owner: { id: 2, username: 'x' } }, { ...f, owner_id: null })).toEqual({ owner_id: null });
    expect(problemPatch(p, { ...f, corrective_action: 'Replace lot L2402' })).toEqual({ corrective_action: 'Replace lot L2402' });
  });

  it('corrective action and closing need the action written', () => {
    expect(problemFormError({ owner_id: null, status: 'closed', corrective_action: '  ' })).toBe('needsAction');
    expect(problemFormError({ owner_id: null, status: 'corrective_action', corrective_action: 'x' })).toBeNull();
    expect(problemFormError({ owner_id: null, status: 'investigating', corrective_action: 'x'.repeat(2001) })).toBe('tooLong');
  });
});
