import { describe, expect, it } from 'vitest';
import {
  canDraft, canGiveFeedback, draftField, draftOf, emptyDraft, inputOf, isDestructive,
  normalizeFaultCode, parseTicketRef, seesEveryArticle, statusTagType, ticketNumber,
  transitionsOf, type KbArticle,
} from './kb';

describe('kb role rules (docs/openapi.json)', () => {
  it('admins, supervisors and technicians draft; the others do not', () => {
    expect(['admin', 'supervisor', 'technician'].every((r) => canDraft(r as never))).toBe(true);
    expect(['dispatcher', 'sales', 'auditor'].some((r) => canDraft(r as never))).toBe(false);
  });
  it('feedback: the four field roles, on published articles only', () => {
    expect(canGiveFeedback('dispatcher', { status: 'published' })).toBe(true);
    expect(canGiveFeedback('technician', { status: 'draft' })).toBe(false);
    expect(canGiveFeedback('sales', { status: 'published' })).toBe(false);
    expect(canGiveFeedback('auditor', { status: 'published' })).toBe(false);
  });
  it('who sees every article', () => {
    expect(seesEveryArticle('auditor')).toBe(true);
    expect(seesEveryArticle('technician')).toBe(false);
  });
});

describe('transitions', () => {
  it('follow allowed_actions, in workflow order, without edit', () => {
    expect(transitionsOf(['retire', 'edit', 'reopen', 'review'])).toEqual(['review', 'reopen', 'retire']);
    expect(transitionsOf(['edit'])).toEqual([]);
    expect(transitionsOf(['publish', 'retire', 'reopen'])).toEqual(['publish', 'reopen', 'retire']);
  });
  it('retire is the destructive one', () => {
    expect(isDestructive('retire')).toBe(true);
    expect(isDestructive('publish')).toBe(false);
  });
  it('status colours', () => {
    expect(statusTagType('published')).toBe('success');
    expect(statusTagType('draft')).toBe('warning');
    expect(statusTagType('retired')).toBe('info');
    expect(statusTagType('reviewed')).toBe('primary');
  });
});

describe('ticket references', () => {
  it('reads numbers as people write them', () => {
    expect(parseTicketRef('FT-000123')).toBe(123);
    expect(parseTicketRef(' ft-42 ')).toBe(42);
    expect(parseTicketRef('FT42')).toBe(42);
    expect(parseTicketRef('7')).toBe(7);
  });
  it('refuses what is not one', () => {
    for (const s of ['', 'FT-', 'FT-0', '0', '-3', '12a', 'AB-12', '1.5']) expect(parseTicketRef(s)).toBeNull();
  });
  it('prints the server’s spelling', () => {
    expect(ticketNumber(123)).toBe('FT-000123');
    expect(ticketNumber(1234567)).toBe('FT-1234567');
  });
});

describe('editor form', () => {
  it('fault codes are upper-cased, bad ones refused', () => {
    expect(normalizeFaultCode(' e-cb-07 ')).toBe('E-CB-07');
    expect(normalizeFaultCode('E 21')).toBeNull();
    expect(normalizeFaultCode('')).toBeNull();
    expect(normalizeFaultCode('x'.repeat(65))).toBeNull();
  });
  it('a language left to the server is not sent', () => {
    const d = { ...emptyDraft(), title: '  Coil  ', fault_codes: ['e-21'] };
    const body = inputOf(d);
    expect(body.title).toBe('Coil');
    expect(body.fault_codes).toEqual(['E-21']);
    expect('language' in body).toBe(false);
    expect(inputOf({ ...d, language: 'zh' }).language).toBe('zh');
  });
  it('an article becomes a form and back', () => {
    const a = {
      title: 'T', symptoms: 'S', cause: 'C', solution: 'X', safety_notes: 'N', language: 'mixed',
      product_lines: ['relay'], models: ['RCS-9611'], fault_codes: ['E-21'],
    } as KbArticle;
    const d = draftOf(a);
    expect(d.models).not.toBe(a.models);
    expect(inputOf(d)).toEqual({
      title: 'T', symptoms: 'S', cause: 'C', solution: 'X', safety_notes: 'N', language: 'mixed',
      product_lines: ['relay'], models: ['RCS-9611'], fault_codes: ['E-21'],
    });
  });
  it('problem pointers name the field', () => {
    expect(draftField('/title')).toBe('title');
    expect(draftField('/models/1')).toBe('models');
    expect(draftField('safety_notes')).toBe('safety_notes');
    expect(draftField('/owner')).toBeNull();
    expect(draftField(undefined)).toBeNull();
  });
});
