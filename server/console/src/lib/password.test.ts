import { describe, expect, it } from 'vitest';
import { formProblems, passwordField, ruleKey } from './password';

describe('password form', () => {
  it('names the field a refusal is about', () => {
    expect(passwordField({ field: '/current_password' })).toBe('current_password');
    expect(passwordField({ field: '/new_password' })).toBe('new_password');
    expect(passwordField({ field: 'new_password' })).toBe('new_password');
    expect(passwordField({ field: '/password' })).toBeNull();
    expect(passwordField({ field: undefined })).toBeNull();
  });

  it('knows the server’s rules', () => {
    expect(ruleKey('must be 10 to 1024 bytes')).toBe('account.password.rule.length');
    expect(ruleKey('/new_password: must not be built on the username')).toBe('account.password.rule.username');
    expect(ruleKey("must not be built on the product's or the demo data's names")).toBe('account.password.rule.context');
    expect(ruleKey('is too common or too simple (it is based on a dictionary word)')).toBe('account.password.rule.common');
    expect(ruleKey('/current_password: is not your password')).toBe('account.password.rule.wrongCurrent');
    expect(ruleKey('something new')).toBeNull();
  });

  it('checks what it can before asking', () => {
    expect(formProblems('', '', '')).toEqual({
      current_password: 'account.password.rule.required',
      new_password: 'account.password.rule.required',
    });
    expect(formProblems('old', 'new-one', 'new-two')).toEqual({ confirm: 'account.password.mismatch' });
    expect(formProblems('old', 'new-one', 'new-one')).toEqual({});
  });
});
