// The signed-in user's unread notifications, shared by the bell in the top
// bar and the notifications page: one request (GET /v1/notifications
// ?unread=true, one page of at most UNREAD_PAGE) gives the latest ones and
// the server's exact unread total (unread_count, beyond the page). The
// answer's ETag is sent back as If-None-Match, so an unchanged inbox costs a
// 304 with no body.
import { reactive, readonly } from 'vue';
import { api, ok } from '@/api/client';
import type { Notification } from './notifications';

/* The bell shows five: a page of ten is enough, the count comes whole. */
export const UNREAD_PAGE = 10;

const state = reactive({
  count: 0,
  /* More unread ones than latest holds (count is exact all the same). */
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
  state.count = page.unread_count;
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
