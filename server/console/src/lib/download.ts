// Saves text or bytes made in the browser as a file (exports), and fetches the
// API's binary answers (label images) with the in-memory access token: the
// one place the console calls fetch for the API itself, because the typed
// client parses JSON (README, "Web console").
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

/* GET an API path that answers bytes (a label's SVG or PNG): the Blob, or an
 * ApiError. A 401 refreshes the access token once, as the client does. */
export async function apiBlob(path: string): Promise<Blob> {
  const get = () => {
    const token = accessToken();
    return fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {}, credentials: 'same-origin' });
  };
  let res = await get();
  if (res.status === 401 && (await refreshAccess())) res = await get();
  if (!res.ok) throw problemError(res, await res.json().catch(() => undefined));
  return res.blob();
}
