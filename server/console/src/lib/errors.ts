// One place turns any failure into the plain sentence a user reads: the
// server's own problem detail for 4xx (409 and 412 included), a generic
// sentence for network failures and 5xx.
import { ElMessage } from 'element-plus';
import 'element-plus/es/components/message/style/css';
import { ApiError } from '@/api/client';
import { i18n } from '@/i18n';

export function errorText(e: unknown): string {
  const t = i18n.global.t;
  if (!(e instanceof ApiError)) return t('error.network');
  if (e.status === 403) return e.detail || t('error.forbidden');
  if (e.status === 404) return t('error.notFound');
  if (e.status === 409) return t('error.conflict', { detail: e.detail || e.title });
  if (e.status === 412) return t('error.stale');
  if (e.status >= 500) return t('error.server', { status: e.status });
  if (e.field) return t('error.invalid', { field: e.field, detail: e.detail || e.title });
  return t('error.generic', { detail: e.detail || e.title });
}

export function showError(e: unknown): void {
  // A 401 here means the session ended: the page is already on its way to
  // the sign-in page, which says so.
  if (e instanceof ApiError && e.status === 401) return;
  ElMessage({ type: 'error', message: errorText(e), showClose: true, duration: 8000 });
}

export function showSaved(message?: string): void {
  ElMessage({ type: 'success', message: message ?? i18n.global.t('common.saved') });
}
