// Files the typed client cannot hand over as data (the monthly report as a
// .md attachment, an analytics table as CSV): fetched with the in-memory
// access token, then saved through a temporary blob: link. The one place the
// console calls the API without openapi-fetch.
import { accessToken, refreshAccess } from '@/auth/session';
import { problemError } from '@/api/client';

/* The file name from Content-Disposition (RFC 6266: filename* first). */
export function fileNameFrom(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (star?.[1]) {
    try {
      return sanitizeName(decodeURIComponent(star[1].trim()), fallback);
    } catch {
      /* a malformed escape: try the plain parameter */
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(disposition);
  const name = plain?.[1] ?? plain?.[2];
  return name ? sanitizeName(name.trim(), fallback) : fallback;
}

/* No directories, no control characters: the browser gets a bare name. */
function sanitizeName(name: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').replace(/^\.+/, '');
  return clean || fallback;
}

async function authorised(path: string, accept?: string): Promise<Response> {
  const headers = (): HeadersInit => {
    const h: Record<string, string> = {};
    const token = accessToken();
    if (token) h.Authorization = `Bearer ${token}`;
    if (accept) h.Accept = accept;
    return h;
  };
  let res = await fetch(path, { headers: headers(), credentials: 'same-origin' });
  if (res.status === 401 && (await refreshAccess())) res = await fetch(path, { headers: headers(), credentials: 'same-origin' });
  return res;
}

/* Fetches `path` (an API path with its query) and saves the answer under
 * the server's file name, or `fallback`. Refusals become ApiError. */
export async function downloadFile(path: string, fallback: string, accept?: string): Promise<string> {
  const res = await authorised(path, accept);
  if (!res.ok) {
    const body: unknown = await res.json().catch(() => undefined);
    throw problemError(res, body);
  }
  const name = fileNameFrom(res.headers.get('Content-Disposition'), fallback);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return name;
}
