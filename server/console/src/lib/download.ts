// Saves text or bytes made in the browser as a file (exports), and fetches the
// API's binary answers (label images, the monthly report as a .md attachment,
// an analytics table as CSV) with the in-memory access token: the one place
// the console calls fetch for the API itself, because the typed client parses
// JSON (README, "Web console").
import { accessToken, refreshAccess } from '@/auth/session';
import { problemError } from '@/api/client';

export function saveFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/* GET an API path with the access token; a 401 refreshes it once, as the
 * client does. A refusal becomes an ApiError. */
async function apiGet(path: string, accept?: string): Promise<Response> {
  const get = () => {
    const headers: Record<string, string> = {};
    const token = accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (accept) headers.Accept = accept;
    return fetch(path, { headers, credentials: 'same-origin' });
  };
  let res = await get();
  if (res.status === 401 && (await refreshAccess())) res = await get();
  if (!res.ok) throw problemError(res, await res.json().catch(() => undefined));
  return res;
}

/* GET an API path that answers bytes (a label's SVG or PNG): the Blob, or an
 * ApiError. */
export async function apiBlob(path: string): Promise<Blob> {
  return (await apiGet(path)).blob();
}

/* The file name from Content-Disposition (RFC 6266: filename* first),
 * reduced to a bare name. */
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

/* No directories, no control characters. */
function sanitizeName(name: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').replace(/^\.+/, '');
  return clean || fallback;
}

/* Saves the API's answer to `path` under the server's file name (or
 * `fallback`); returns the name. */
export async function downloadFile(path: string, fallback: string, accept?: string): Promise<string> {
  const res = await apiGet(path, accept);
  const name = fileNameFrom(res.headers.get('Content-Disposition'), fallback);
  const blob = await res.blob();
  saveFile(name, blob, blob.type || 'application/octet-stream');
  return name;
}
