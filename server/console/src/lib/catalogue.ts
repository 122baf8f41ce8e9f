// The service catalogue (GET /v1/catalogue), read once per session: the
// category tree for the intake form and the names of the codes tickets carry.
import { api, ok, type Schemas } from '@/api/client';

export type CatalogueCategory = Schemas['CatalogueCategory'];
export type CatalogueEntry = Schemas['CatalogueEntry'];

let cached: Promise<CatalogueCategory[]> | null = null;

export function catalogue(): Promise<CatalogueCategory[]> {
  cached ??= api.GET('/v1/catalogue').then((r) => ok(r).items);
  cached.catch(() => (cached = null)); // a failure is retried next time
  return cached;
}

/* The entry's name in the language shown (the code when unknown). */
export function entryName(tree: readonly CatalogueCategory[], code: string | undefined, locale: string): string {
  if (!code) return '';
  for (const c of tree) {
    const e = c.code === code ? c : c.subcategories.find((s) => s.code === code);
    if (e) return locale === 'en' ? e.name_en : e.name;
  }
  return code;
}

/* Active categories with their active subcategories, in catalogue order. */
export function activeTree(tree: readonly CatalogueCategory[]): CatalogueCategory[] {
  return [...tree]
    .filter((c) => c.active)
    .sort((a, b) => a.sort - b.sort)
    .map((c) => ({ ...c, subcategories: c.subcategories.filter((s) => s.active).sort((a, b) => a.sort - b.sort) }))
    .filter((c) => c.subcategories.length > 0);
}
