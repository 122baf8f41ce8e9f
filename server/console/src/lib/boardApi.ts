// GET /v1/board through the typed client, as lib/feed.ts asks for it: a
// snapshot without `since`, the changes since a cursor with If-None-Match,
// and the 304 and 410 answers told apart from failures.
import { api, problemError } from '@/api/client';
import type { FeedAnswer, FeedBody, FeedFetch } from './feed';

export function boardFetcher(centre: () => string): FeedFetch {
  return async (since, etag): Promise<FeedAnswer> => {
    const r = await api.GET('/v1/board', {
      params: {
        query: { since: since ?? undefined, centre: centre() || undefined },
        header: etag ? { 'If-None-Match': etag } : {},
      },
    });
    const status = r.response.status;
    if (status === 304) return { status: 304 };
    if (status === 410) return { status: 410 };
    if (!r.response.ok || !r.data) throw problemError(r.response, r.error);
    return { status: 200, body: r.data as FeedBody, etag: r.response.headers.get('ETag') };
  };
}
