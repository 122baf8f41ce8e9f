// Which unit a scanned label, pasted link or typed serial names, asked of the
// API as the app asks it: GET /id/{code} (or the GS1 path) with
// Accept: application/json and the bearer token answers the full trace when
// the caller's scope covers the unit, else only the public nameplate; a
// serial is GET /v1/assets?serial= (exact).
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
    case 'serial': {
      const page = ok(await api.GET('/v1/assets', { params: { query: { serial: t.serial, limit: 20 } } }));
      return { kind: 'list', items: page.items ?? [] };
    }
    case 'none':
      return { kind: 'list', items: [] };
  }
}
