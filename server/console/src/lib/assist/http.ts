// The assistance API's calls. Two ways in: a signed-in console user (the
// bearer token of auth/session.ts, refreshed once on a 401), or the phone page
// that came through a join link and holds only its participant key
// (X-Assist-Key). TEMPORARY hand-built fetch: /v1/assist/* is not in
// docs/openapi.json yet, so the typed client cannot name these paths; once it
// is, each function here becomes an api.GET/POST call with the same name and
// signature (the pages do not change).
import { problemError } from '@/api/client';
import { accessToken, refreshAccess } from '@/auth/session';
import type { AssistJoin, AssistOutcome, AssistSession, IceServer, JoinLink, SignalKind, SignalPage, TicketAssistItem } from './types';

export interface Credential {
  /* The participant key of a join; absent for a signed-in console user. */
  key?: string;
}

async function send(method: string, path: string, cred: Credential, body?: unknown, raw?: Blob): Promise<Response> {
  const build = (): RequestInit => {
    const headers: Record<string, string> = {};
    if (cred.key) headers['X-Assist-Key'] = cred.key;
    else {
      const tok = accessToken();
      if (tok) headers.Authorization = `Bearer ${tok}`;
    }
    let payload: BodyInit | undefined;
    if (raw) {
      headers['Content-Type'] = raw.type;
      payload = raw;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    return { method, headers, body: payload, credentials: 'same-origin' };
  };
  let res = await fetch(path, build());
  if (res.status === 401 && !cred.key && accessToken() && (await refreshAccess())) res = await fetch(path, build());
  return res;
}

async function json<T>(method: string, path: string, cred: Credential = {}, body?: unknown, raw?: Blob): Promise<T> {
  const res = await send(method, path, cred, body, raw);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = problemError(res, parsed) as ReturnType<typeof problemError> & { session_id?: number };
    // A second request on a ticket names the session already open.
    const open = (parsed as { session_id?: unknown } | undefined)?.session_id;
    if (typeof open === 'number') err.session_id = open;
    throw err;
  }
  return parsed as T;
}

export const assistApi = {
  list: (query: { state?: string; mine?: boolean } = {}) => {
    const q = new URLSearchParams();
    if (query.state) q.set('state', query.state);
    if (query.mine) q.set('mine', 'true');
    const s = q.toString();
    return json<{ items: AssistSession[] }>('GET', `/v1/assist${s ? `?${s}` : ''}`);
  },
  ofTicket: (ticketId: number) => json<{ items: TicketAssistItem[] }>('GET', `/v1/tickets/${ticketId}/assists`),
  get: (id: number) => json<AssistSession>('GET', `/v1/assist/${id}`),
  request: (ticketId: number, body: { problem?: string; language?: string }) =>
    json<AssistSession>('POST', `/v1/tickets/${ticketId}/assist`, {}, body),
  accept: (id: number) => json<AssistSession>('POST', `/v1/assist/${id}/accept`),
  decline: (id: number) => json<AssistSession>('POST', `/v1/assist/${id}/decline`),
  cancel: (id: number) => json<AssistSession>('POST', `/v1/assist/${id}/cancel`),
  joinLink: (id: number, userId?: number) =>
    json<JoinLink>('POST', `/v1/assist/${id}/join-links`, {}, userId ? { user_id: userId } : {}),
  join: (id: number) => json<AssistJoin>('POST', `/v1/assist/${id}/join`),
  joinWithToken: (token: string) => json<AssistJoin>('POST', '/v1/assist/join', {}, { token }),
  end: (id: number, cred: Credential, body: { outcome: AssistOutcome; notes?: string }) =>
    json<AssistSession>('POST', `/v1/assist/${id}/end`, cred, body),
  record: (id: number, body: { outcome?: AssistOutcome; notes?: string }) =>
    json<AssistSession>('PATCH', `/v1/assist/${id}`, {}, body),
  ice: (id: number, cred: Credential) =>
    json<{ ice_servers: IceServer[]; ice_expires_at: string }>('GET', `/v1/assist/${id}/ice`, cred),
  signals: (id: number, cred: Credential, after: number) =>
    json<SignalPage>('GET', `/v1/assist/${id}/signals?after=${after}`, cred),
  signal: (id: number, cred: Credential, kind: SignalKind, body: unknown, to?: number) =>
    json<{ seq: number }>('POST', `/v1/assist/${id}/signals`, cred, to ? { kind, to, body } : { kind, body }),
  connected: (id: number, cred: Credential) => json<unknown>('POST', `/v1/assist/${id}/connected`, cred, {}),
  snapshot: (id: number, cred: Credential, image: Blob) =>
    json<{ attachment_id: number; url: string }>('POST', `/v1/assist/${id}/snapshots`, cred, undefined, image),
  leave: async (id: number, cred: Credential) => {
    const res = await send('POST', `/v1/assist/${id}/leave`, cred);
    if (!res.ok && res.status !== 401) throw problemError(res, undefined);
  },
};
