// The signed-in user's unread notifications, shared by the bell in the top
// bar and the notifications page: one request (GET /v1/notifications
// ?unread=true, one page of at most UNREAD_PAGE) gives both the count and
// the latest ones. When the answer carries an ETag it is sent back as
// If-None-Match, so an unchanged list costs a 304.
import { reactive, readonly } from 'vue';
import { api, ok } from '@/api/client';
import type { Notification } from './notifications';

export const UNREAD_PAGE = 100;

const state = reactive({
  count: 0,
  /* More unread ones than one page holds. */
  more: false,
  latest: [] as Notification[],
  loaded: false,
});
let etag = '';

export const unread = readonly(state);

export async function refreshUnread(): Promise<void> {
  const r = await api.GET('/v1/notifications', {
    params: { query: { unread: 'true', limit: UNREAD_PAGE } },
    headers: etag ? { 'If-None-Match': etag } : {},
  });
  if (r.response.status === 304) return;
  const page = ok(r);
  etag = r.response.headers.get('ETag') ?? '';
  state.latest = page.items ?? [];
  state.count = state.latest.length;
  state.more = page.next_cursor !== null;
  state.loaded = true;
}

/* Marks one read; the count follows at once, then from the server. */
export async function markRead(id: number): Promise<Notification> {
  const n = ok(await api.POST('/v1/notifications/{id}/read', { params: { path: { id } } }));
  const before = state.latest.length;
  state.latest = state.latest.filter((x) => x.id !== id);
  if (state.latest.length < before) state.count = Math.max(0, state.count - 1);
  etag = '';
  void refreshUnread().catch(() => undefined);
  return n;
}

export async function markAllRead(): Promise<number> {
  const r = ok(await api.POST('/v1/notifications/read-all', {}));
  state.latest = [];
  state.count = 0;
  state.more = false;
  etag = '';
  return r.marked_read;
}

/* Signed out: nothing of the last user's stays. */
export function resetUnread(): void {
  state.latest = [];
  state.count = 0;
  state.more = false;
  state.loaded = false;
  etag = '';
}
