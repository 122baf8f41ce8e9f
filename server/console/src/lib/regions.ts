// The region tree (GET /v1/regions) as the filters and admin pages show it:
// depth-first with each region's depth, a subtree for a supervisor's scope,
// and names in the reader's language.
import type { Schemas } from '@/api/client';

export type Region = Schemas['Region'];
export type Centre = Schemas['Centre'];

export interface TreeRegion extends Region {
  depth: number;
}

/* Depth-first order (parents before children, siblings as listed), from the
 * given root or from every region without a known parent. */
export function treeOrder(regions: readonly Region[], root?: string | null): TreeRegion[] {
  const byParent = new Map<string | null, Region[]>();
  const codes = new Set(regions.map((r) => r.code));
  for (const r of regions) {
    const p = r.parent && codes.has(r.parent) ? r.parent : null;
    const list = byParent.get(p) ?? [];
    list.push(r);
    byParent.set(p, list);
  }
  const out: TreeRegion[] = [];
  const seen = new Set<string>();
  const walk = (r: Region, depth: number) => {
    if (seen.has(r.code)) return; // a cycle in bad data must not hang the page
    seen.add(r.code);
    out.push({ ...r, depth });
    for (const c of byParent.get(r.code) ?? []) walk(c, depth + 1);
  };
  if (root) {
    const r = regions.find((x) => x.code === root);
    if (r) walk(r, 0);
  } else {
    for (const r of byParent.get(null) ?? []) walk(r, 0);
  }
  return out;
}

/* The codes of a region and every region below it. */
export function subtreeCodes(regions: readonly Region[], root: string): Set<string> {
  return new Set(treeOrder(regions, root).map((r) => r.code));
}

export function regionName(r: Pick<Region, 'name' | 'name_en'>, locale: string): string {
  return locale.startsWith('zh') ? r.name : r.name_en || r.name;
}
