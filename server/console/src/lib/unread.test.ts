import { beforeEach, describe, expect, it, vi } from 'vitest';

const GET = vi.fn();
const POST = vi.fn();
vi.mock('@/api/client', async () => {
  const real = await vi.importActual<typeof import('@/api/client')>('@/api/client');
  return { ...real, api: { GET: (...a: unknown[]) => GET(...a), POST: (...a: unknown[]) => POST(...a) } };
});
vi.mock('@/auth/session', () => ({ accessToken: () => null, refreshAccess: () => Promise.resolve(false) }));

const { unread, refreshUnread, markRead, markAllRead, resetUnread, UNREAD_PAGE } = await import('./unread');

const note = (id: number) => ({
  id, kind: 'ticket.assigned', title: `t${id}`, data: { ticket_id: id },
  created_at: '2026-01-01T00:00:00Z', read_at: null, read: false,
});

function answer(status: number, data?: unknown, headers: Record<string, string> = {}) {
  return { data, error: undefined, response: new Response(null, { status, headers }) };
}

describe('unread notifications', () => {
  beforeEach(() => {
    resetUnread();
    GET.mockReset();
    POST.mockReset();
  });

  it('counts one page of unread ones', async () => {
    GET.mockResolvedValueOnce(answer(200, { items: [note(2), note(1)], next_cursor: null, unread_count: 2 }));
    await refreshUnread();
    expect(GET).toHaveBeenCalledWith('/v1/notifications', {
      params: { query: { unread: 'true', limit: UNREAD_PAGE } },
      headers: {},
    });
    expect(unread.count).toBe(2);
    expect(unread.more).toBe(false);
    expect(unread.latest.map((n) => n.id)).toEqual([2, 1]);
  });

  it('counts all unread ones, beyond the page, from unread_count', async () => {
    GET.mockResolvedValueOnce(answer(200, { items: [note(1)], next_cursor: '1', unread_count: 240 }));
    await refreshUnread();
    expect(unread.more).toBe(true);
    expect(unread.count).toBe(240);
    expect(unread.latest).toHaveLength(1);
  });

  it('sends the ETag back and keeps the list on 304', async () => {
    GET.mockResolvedValueOnce(answer(200, { items: [note(1)], next_cursor: null, unread_count: 1 }, { ETag: '"n7"' }));
    await refreshUnread();
    GET.mockResolvedValueOnce(answer(304));
    await refreshUnread();
    expect(GET.mock.calls[1]?.[1]).toMatchObject({ headers: { 'If-None-Match': '"n7"' } });
    expect(unread.latest.map((n) => n.id)).toEqual([1]);
    expect(unread.count).toBe(1);
  });

  it('marking one read lowers the count at once', async () => {
    GET.mockResolvedValueOnce(answer(200, { items: [note(2), note(1)], next_cursor: null, unread_count: 2 }));
    await refreshUnread();
    POST.mockResolvedValueOnce(answer(200, { ...note(2), read: true }));
    GET.mockResolvedValueOnce(answer(200, { items: [note(1)], next_cursor: null, unread_count: 1 }));
    await markRead(2);
    expect(POST).toHaveBeenCalledWith('/v1/notifications/{id}/read', { params: { path: { id: 2 } } });
    expect(unread.count).toBe(1);
  });

  it('marking all read empties the list', async () => {
    GET.mockResolvedValueOnce(answer(200, { items: [note(1)], next_cursor: '1', unread_count: 120 }));
    await refreshUnread();
    POST.mockResolvedValueOnce(answer(200, { marked_read: 120 }));
    expect(await markAllRead()).toBe(120);
    expect(unread.count).toBe(0);
    expect(unread.more).toBe(false);
  });

  it('a refused answer is an error and changes nothing', async () => {
    GET.mockResolvedValueOnce(answer(200, { items: [note(1)], next_cursor: null, unread_count: 1 }));
    await refreshUnread();
    GET.mockResolvedValueOnce({ data: undefined, error: { title: 'Unauthorized' }, response: new Response(null, { status: 401 }) });
    await expect(refreshUnread()).rejects.toMatchObject({ status: 401 });
    expect(unread.count).toBe(1);
  });
});
