// The change-password form's messages: which field a refusal names
// (POST /v1/me/password: 403 naming /current_password, 400 naming
// /new_password) and the server's reason in the reader's language when it is
// one of the rules every password follows (server/domain/users.c).
import type { ApiError } from '@/api/client';

export type PasswordField = 'current_password' | 'new_password' | 'confirm';

export function passwordField(e: Pick<ApiError, 'field'>): PasswordField | null {
  const name = (e.field ?? '').replace(/^\//, '');
  return name === 'current_password' || name === 'new_password' ? name : null;
}

/* The i18n key of a known rule (account.password.rule.*), or null: the
 * server's own words are shown then. */
export function ruleKey(detail: string): string | null {
  const d = detail.replace(/^\/?[a-z_]+:\s*/, '');
  if (/^must be \d+ to \d+ bytes/.test(d)) return 'account.password.rule.length';
  if (/built on the username/.test(d)) return 'account.password.rule.username';
  if (/built on the product/.test(d)) return 'account.password.rule.context';
  if (/too common or too simple/.test(d)) return 'account.password.rule.common';
  if (/is not your password/.test(d)) return 'account.password.rule.wrongCurrent';
  if (/is required/.test(d)) return 'account.password.rule.required';
  return null;
}

/* What the form checks itself before asking: every field filled, and the
 * new password typed the same twice. The rules are the server's. */
export function formProblems(current: string, next: string, confirm: string): Partial<Record<PasswordField, string>> {
  const out: Partial<Record<PasswordField, string>> = {};
  if (!current) out.current_password = 'account.password.rule.required';
  if (!next) out.new_password = 'account.password.rule.required';
  if (next && confirm !== next) out.confirm = 'account.password.mismatch';
  return out;
}
