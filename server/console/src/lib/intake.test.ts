import { describe, expect, it } from 'vitest';
import { emptyIntake, extractCode, fieldOf, intakeBody, needsContact, targetTier, validateIntake, type Target } from './intake';

const trace = { id: 2, serial: 'FT202412-0002', installation: { customer: { id: 1, tier: 'strategic' } } } as unknown as Extract<Target, { kind: 'asset' }>['trace'];
const unit: Target = { kind: 'asset', trace, code: null };
const scanned: Target = { kind: 'asset', trace, code: '04102MAJ6635AP3A3G' };
const customer: Target = { kind: 'customer', customer: { id: 9, tier: 'B' } as Extract<Target, { kind: 'customer' }>['customer'] };

describe('intake', () => {
  it('requires the caller on hotline, WeChat, web and email', () => {
    expect(['hotline', 'wechat', 'web', 'email'].every(needsContact)).toBe(true);
    expect(needsContact('internal')).toBe(false);
  });
  it('finds the code in a scanned link', () => {
    expect(extractCode('https://localhost:8443/id/04102maj6635ap3a3g')).toBe('04102MAJ6635AP3A3G');
    expect(extractCode(' 04102MAJ6635AP3A3G\n')).toBe('04102MAJ6635AP3A3G');
    expect(extractCode('https://x.example/id/ABC123?src=label')).toBe('ABC123');
  });
  it('knows the tier for the quote', () => {
    expect(targetTier(unit)).toBe('strategic');
    expect(targetTier(customer)).toBe('B');
    expect(targetTier(null)).toBeNull();
  });
  it('checks what it can before sending, named as the API names it', () => {
    expect(validateIntake(emptyIntake(), null)).toEqual({
      '/asset_id': 'unitRequired', '/category': 'categoryRequired', '/title': 'titleRequired',
      '/contact/name': 'contactNameRequired', '/contact/phone': 'contactPhoneRequired',
    });
    const ok = { ...emptyIntake(), subcategory: 'repair', title: 'x', contactName: '陈工', contactPhone: '13800000001' };
    expect(validateIntake(ok, unit)).toEqual({});
    expect(validateIntake({ ...ok, contactPhone: ' ' }, unit)).toEqual({ '/contact/phone': 'contactPhoneRequired' });
    expect(validateIntake({ ...ok, channel: 'internal', contactName: '', contactPhone: '' }, unit)).toEqual({});
  });
  it('sends the unit by id, or by the code that was scanned, or the customer', () => {
    const f = { ...emptyIntake(), subcategory: 'repair', title: ' 拒合 ', description: '', contactName: '陈工', contactPhone: '138' };
    expect(intakeBody(f, unit, 'u-1')).toEqual({
      channel: 'hotline', category: 'repair', title: '拒合', impact: 'unit', urgency: 'medium', client_id: 'u-1',
      asset_id: 2, contact: { name: '陈工', phone: '138' },
    });
    expect(intakeBody(f, scanned, 'u-1').code).toBe('04102MAJ6635AP3A3G');
    expect(intakeBody(f, scanned, 'u-1').asset_id).toBeUndefined();
    expect(intakeBody({ ...f, channel: 'internal', contactName: '', contactPhone: '', description: 'd' }, customer, 'u-2')).toEqual({
      channel: 'internal', category: 'repair', title: '拒合', impact: 'unit', urgency: 'medium', client_id: 'u-2',
      customer_id: 9, description: 'd',
    });
  });
  it('puts a problem next to its field', () => {
    expect(fieldOf('/contact/phone')).toBe('/contact/phone');
    expect(fieldOf('/code')).toBe('/asset_id');
    expect(fieldOf('/customer_id')).toBe('/asset_id');
    expect(fieldOf('title')).toBe('/title');
    expect(fieldOf('/client_id')).toBeNull();
    expect(fieldOf(undefined)).toBeNull();
  });
});
