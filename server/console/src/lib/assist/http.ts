// The assistance API's calls, through the typed client. Two ways in: a
// signed-in console user (the client's bearer token), or the phone page that
// came through a join link and holds only its participant key, sent as
// X-Assist-Key (the server takes the key first when both are present).
import { api, ok, problemError, type ApiError } from '@/api/client';
import type { AssistOutcome, SignalKind } from './types';

export interface Credential {
  /* The participant key of a join; absent for a signed-in console user. */
  key?: string;
}

const keyed = (cred: Credential) => (cred.key ? { 'X-Assist-Key': cred.key } : {});
const path = (id: number) => ({ path: { id } });

/* A refusal of a second request on a ticket names the session already open
 * (problem member session_id): kept on the error for the ticket's panel. */
function withSession<T>(r: { data?: T; error?: unknown; response: Response }): T {
  try {
    return ok(r);
  } catch (e) {
    const open = (r.error as { session_id?: unknown } | undefined)?.session_id;
    if (typeof open === 'number') (e as ApiError & { session_id?: number }).session_id = open;
    throw e;
  }
}

export const assistApi = {
  list: async (query: { state?: AssistStateQuery; mine?: boolean } = {}) =>
    ok(await api.GET('/v1/assist', { params: { query: { state: query.state, mine: query.mine ? 'true' : undefined } } })),
  ofTicket: async (ticketId: number) => ok(await api.GET('/v1/tickets/{id}/assists', { params: path(ticketId) })),
  get: async (id: number) => ok(await api.GET('/v1/assist/{id}', { params: path(id) })),
  request: async (ticketId: number, body: { problem?: string; language?: string }) =>
    withSession(await api.POST('/v1/tickets/{id}/assist', { params: path(ticketId), body })),
  accept: async (id: number) => ok(await api.POST('/v1/assist/{id}/accept', { params: path(id) })),
  decline: async (id: number) => ok(await api.POST('/v1/assist/{id}/decline', { params: path(id) })),
  cancel: async (id: number) => ok(await api.POST('/v1/assist/{id}/cancel', { params: path(id) })),
  joinLink: async (id: number, userId?: number) =>
    ok(await api.POST('/v1/assist/{id}/join-links', { params: path(id), body: userId ? { user_id: userId } : {} })),
  join: async (id: number) => ok(await api.POST('/v1/assist/{id}/join', { params: path(id) })),
  joinWithToken: async (token: string) => ok(await api.POST('/v1/assist/join', { body: { token } })),
  end: async (id: number, cred: Credential, body: { outcome: AssistOutcome; notes?: string }) =>
    ok(await api.POST('/v1/assist/{id}/end', { params: path(id), headers: keyed(cred), body })),
  record: async (id: number, body: { outcome?: AssistOutcome; notes?: string }) =>
    ok(await api.PATCH('/v1/assist/{id}', { params: path(id), body })),
  ice: async (id: number, cred: Credential) =>
    ok(await api.GET('/v1/assist/{id}/ice', { params: path(id), headers: keyed(cred) })),
  signals: async (id: number, cred: Credential, after: number) =>
    ok(await api.GET('/v1/assist/{id}/signals', { params: { path: { id }, query: { after } }, headers: keyed(cred) })),
  signal: async (id: number, cred: Credential, kind: SignalKind, body: unknown, to?: number) =>
    ok(await api.POST('/v1/assist/{id}/signals', {
      params: path(id),
      headers: keyed(cred),
      // The body is the peer's business (an SDP, a candidate): any JSON object.
      body: { kind, to, body: body as Record<string, never> },
    })),
  connected: async (id: number, cred: Credential) =>
    ok(await api.POST('/v1/assist/{id}/connected', { params: path(id), headers: keyed(cred), body: {} })),
  snapshot: async (id: number, cred: Credential, image: Blob) =>
    ok(await api.POST('/v1/assist/{id}/snapshots', {
      params: path(id),
      headers: { ...keyed(cred), 'Content-Type': image.type },
      body: image as unknown as string,
      bodySerializer: (b: unknown) => b as Blob,
    })),
  leave: async (id: number, cred: Credential) => {
    const r = await api.POST('/v1/assist/{id}/leave', { params: path(id), headers: keyed(cred) });
    if (!r.response.ok && r.response.status !== 401) throw problemError(r.response, r.error);
  },
};

type AssistStateQuery = 'ringing' | 'accepted' | 'live' | 'ended' | 'cancelled' | 'unanswered';
