// Small registry look-ups shared by the unit and customer pages, each read
// once per page load: product lines by code (their names in both languages),
// and what an API value is safe to link to.
import { api, ok, type Schemas } from '@/api/client';

type ProductLine = Schemas['ProductLine'];
let lines: Promise<Map<string, ProductLine>> | null = null;

export function productLines(): Promise<Map<string, ProductLine>> {
  lines ??= (async () => {
    const page = ok(await api.GET('/v1/product-lines', { params: { query: { limit: 200 } } }));
    return new Map((page.items ?? []).map((p) => [p.code, p]));
  })().catch((e: unknown) => {
    lines = null;
    throw e;
  });
  return lines;
}

export function productLineName(p: ProductLine | undefined, code: string, locale: string): string {
  if (!p) return code;
  return (locale === 'en' ? p.name_en : p.name) || p.name || code;
}

/* Only http(s) links become hrefs: a document URL from the API never runs
 * script (javascript:, data:) even if one got past the server's check. */
export function safeHref(url: string | null | undefined): string | undefined {
  return url && /^https?:\/\/[^\s]+$/i.test(url.trim()) ? url.trim() : undefined;
}

/* A spec value as text: numbers and strings as they are, lists joined,
 * anything else as JSON. */
export function specText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.map((x) => String(x)).join(', ');
  return JSON.stringify(v);
}
