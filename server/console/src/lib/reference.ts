// Reference lists many pages label things with: regions, centres and product
// lines. Fetched once per session (every page, all of it) and shared; the
// admin pages call forgetReference() after changing one.
import { api, ok, type Schemas } from '@/api/client';
import { fetchAll } from './pager';
import type { Centre, Region } from './regions';

export type ProductLine = Schemas['ProductLine'];

export interface Reference {
  regions: Region[];
  centres: Centre[];
  productLines: ProductLine[];
}

let cached: Promise<Reference> | null = null;

async function load(): Promise<Reference> {
  const [regions, centres, productLines] = await Promise.all([
    fetchAll(async (cursor) => ok(await api.GET('/v1/regions', { params: { query: { limit: 200, cursor: cursor ?? undefined } } }))),
    fetchAll(async (cursor) => ok(await api.GET('/v1/centres', { params: { query: { limit: 200, cursor: cursor ?? undefined } } }))),
    fetchAll(async (cursor) => ok(await api.GET('/v1/product-lines', { params: { query: { limit: 200, cursor: cursor ?? undefined } } }))),
  ]);
  return { regions, centres, productLines };
}

export function reference(): Promise<Reference> {
  if (!cached) {
    cached = load();
    cached.catch(() => (cached = null)); // a failure is retried next time
  }
  return cached;
}

export function forgetReference(): void {
  cached = null;
}
