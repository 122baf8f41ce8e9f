// Which unit a scanned label, pasted link or typed serial names, asked of the
// API as the app asks it: GET /id/{code} (or the GS1 path) with
// Accept: application/json and the bearer token answers the full trace when
// the caller's scope covers the unit, else only the public nameplate; a
// typed serial, whole or its first characters, is GET /v1/assets?serial_prefix=
// (3 or more of the characters serials hold; anything else asks ?serial=,
// exact), the exact match listed first.
import { api, ok, type Schemas } from '@/api/client';
import type { ScanTarget } from './qrscan';

export type Nameplate = Schemas['PublicNameplate'];
export type AssetItem = Schemas['AssetListItem'];

export type Found =
  | { kind: 'asset'; id: number }
  | { kind: 'outside'; nameplate: Nameplate } // a real unit, not in the caller's scope
  | { kind: 'list'; items: AssetItem[] };

const JSON_ACCEPT = { Accept: 'application/json' } as const;

type Resolved = Nameplate | Schemas['AssetTrace'];

function found(body: Resolved): Found {
  return 'id' in body && typeof body.id === 'number' ? { kind: 'asset', id: body.id } : { kind: 'outside', nameplate: body as Nameplate };
}

export async function resolveTarget(t: ScanTarget): Promise<Found> {
  switch (t.kind) {
    case 'id':
      return found(ok(await api.GET('/id/{code}', { params: { path: { code: t.code }, header: JSON_ACCEPT } })) as Resolved);
    case 'gs1':
      return found(
        ok(await api.GET('/01/{gtin}/21/{serial}', { params: { path: { gtin: t.gtin, serial: t.serial }, header: JSON_ACCEPT } })) as Resolved,
      );
    case 'serial':
      return { kind: 'list', items: await findBySerial(t.serial) };
    case 'none':
      return { kind: 'list', items: [] };
  }
}

/* Serials hold A-Z a-z 0-9 . _ - (at most 63); the API searches by prefix
 * from 3 of them. */
const SERIAL_CHARS = /^[A-Za-z0-9._-]+$/;
export const SERIAL_PREFIX_MIN = 3;
const SERIAL_MAX = 63;

export type SerialQuery = { serial_prefix: string } | { serial: string };

/* The query a typed serial asks: its start when it can be one, else the
 * exact text; null when no unit can have it (empty or too long). */
export function serialQuery(input: string): SerialQuery | null {
  const s = input.trim();
  if (!s || new TextEncoder().encode(s).length > SERIAL_MAX) return null;
  if (s.length >= SERIAL_PREFIX_MIN && SERIAL_CHARS.test(s)) return { serial_prefix: s };
  return { serial: s };
}

/* The unit whose serial is exactly the text first, the others in the API's order. */
export function exactFirst<T extends { serial: string }>(items: readonly T[], input: string): T[] {
  const s = input.trim();
  const exact = items.filter((a) => a.serial === s);
  return [...exact, ...items.filter((a) => a.serial !== s)];
}

/* The units (in the caller's scope) whose serial is or starts with the text. */
export async function findBySerial(input: string, limit = 20): Promise<AssetItem[]> {
  const q = serialQuery(input);
  if (!q) return [];
  const page = ok(await api.GET('/v1/assets', { params: { query: { ...q, limit } } }));
  return exactFirst(page.items ?? [], input);
}
