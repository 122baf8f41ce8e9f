// Files the typed client cannot fetch as JSON (label images, attachments,
// reports) and files made in the browser (exports): the one place the
// console calls fetch for the API itself. It sends the in-memory access
// token, refreshes it once on a 401 as the client does, and hands bytes to
// the browser as a download, releasing the object URL afterwards.
import { accessToken, refreshAccess } from '@/auth/session';
import { problemError } from '@/api/client';

async function get(url: string, accept?: string): Promise<Response> {
  const send = () => {
    const headers: Record<string, string> = {};
    const token = accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (accept) headers.Accept = accept;
    return fetch(url, { headers, credentials: 'same-origin' });
  };
  let res = await send();
  if (res.status === 401 && (await refreshAccess())) res = await send();
  return res;
}

/* The bytes at an API path, or an ApiError from its problem body. */
export async function apiBlob(url: string): Promise<Blob> {
  const res = await get(url);
  if (!res.ok) throw problemError(res, await res.json().catch(() => undefined));
  return res.blob();
}

/* A file name safe to offer: no path, no control characters. */
export function safeFileName(name: string, fallback = 'download'): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim();
  return cleaned.slice(0, 120) || fallback;
}

export function saveFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(data instanceof Blob ? data : new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = safeFileName(name);
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/* Fetches an API path and saves it under fileName. */
export async function downloadBinary(url: string, fileName: string): Promise<void> {
  const blob = await apiBlob(url);
  saveFile(fileName, blob, blob.type);
}

/* The file name an answer's Content-Disposition gives (RFC 6266: filename*
 * first), made safe; `fallback` when it gives none. */
export function fileNameFrom(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  let name: string | undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (star?.[1]) {
    try {
      name = decodeURIComponent(star[1].trim());
    } catch {
      /* a malformed escape: try the plain parameter */
    }
  }
  if (!name) {
    const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(disposition);
    name = (plain?.[1] ?? plain?.[2])?.trim();
  }
  return name ? safeFileName(name, fallback).replace(/^\.+/, '') || fallback : fallback;
}

/* Fetches an API path (with an Accept, e.g. text/csv) and saves it under the
 * name the server gives, or `fallback`; returns the name used. */
export async function downloadFile(url: string, fallback: string, accept?: string): Promise<string> {
  const res = await get(url, accept);
  if (!res.ok) throw problemError(res, await res.json().catch(() => undefined));
  const name = fileNameFrom(res.headers.get('Content-Disposition'), fallback);
  const blob = await res.blob();
  saveFile(name, blob, blob.type);
  return name;
}
