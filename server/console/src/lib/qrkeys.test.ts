import { describe, expect, it } from 'vitest';
import { keyHistory } from './qrkeys';
import type { Schemas } from '@/api/client';

const e = (id: number, action: string, object_id: string, after: unknown, actor = 'admin'): Schemas['AuditEntry'] => ({
  id, at: `2026-12-0${id}T00:00:00Z`, actor_id: 1, actor, action, object_type: 'qr_key', object_id, before: null, after,
  request_id: '', client_addr: '', prev_hash: '', hash: '0'.repeat(64),
});

describe('keyHistory', () => {
  it('orders create and rotations by audit id and reads the key id', () => {
    const h = keyHistory([
      e(7, 'qr.key_rotate', '3', { active_key_id: 3 }),
      e(1, 'qr.key_create', '1', { created_at: 'x' }, 'system'),
      e(4, 'qr.key_rotate', '2', { active_key_id: 2 }),
      e(5, 'auth.login', '1', null),
    ]);
    expect(h.map((x) => [x.auditId, x.keyId, x.actor])).toEqual([[1, 1, 'system'], [4, 2, 'admin'], [7, 3, 'admin']]);
  });
});
