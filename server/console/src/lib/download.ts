// Files the typed client cannot fetch as JSON (attachments, reports): one
// helper that sends the in-memory access token, refreshes it once on a 401,
// and hands the bytes to the browser as a download. Nothing is cached (the
// server answers no-store) and the object URL is released at once.
import { accessToken, refreshAccess } from '@/auth/session';
import { problemError } from '@/api/client';

async function get(url: string): Promise<Response> {
  const send = () =>
    fetch(url, {
      headers: accessToken() ? { Authorization: `Bearer ${accessToken()}` } : {},
      credentials: 'same-origin',
    });
  let res = await send();
  if (res.status === 401 && (await refreshAccess())) res = await send();
  return res;
}

/* The bytes at url (an API path), or an ApiError from its problem body. */
export async function fetchBinary(url: string): Promise<Blob> {
  const res = await get(url);
  if (!res.ok) {
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      /* not a problem document */
    }
    throw problemError(res, body);
  }
  return res.blob();
}

/* A file name safe to offer: no path, no control characters. */
export function safeFileName(name: string, fallback = 'download'): string {
  const cleaned = name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim();
  return cleaned.slice(0, 120) || fallback;
}

export async function downloadBinary(url: string, fileName: string): Promise<void> {
  const blob = await fetchBinary(url);
  const href = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = href;
    a.download = safeFileName(fileName);
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(href), 0);
  }
}
