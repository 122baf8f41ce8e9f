// The QR key history as the audit log records it: qr.key_create (the first
// key, object_id its id) and qr.key_rotate (after.active_key_id). The API has
// no read of the keys themselves.
import type { Schemas } from '@/api/client';

export interface KeyEvent {
  auditId: number;
  keyId: number;
  at: string;
  actor: string;
}

function keyIdOf(e: Schemas['AuditEntry']): number | null {
  const after = e.after as { active_key_id?: unknown; key_id?: unknown } | null;
  const v = after?.active_key_id ?? after?.key_id ?? e.object_id;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/* Oldest first; the last one is the key new labels are issued with. */
export function keyHistory(entries: Schemas['AuditEntry'][]): KeyEvent[] {
  return entries
    .filter((e) => e.action === 'qr.key_create' || e.action === 'qr.key_rotate')
    .map((e) => ({ auditId: e.id, keyId: keyIdOf(e), at: e.at, actor: e.actor }))
    .filter((e): e is KeyEvent => e.keyId !== null)
    .sort((a, b) => a.auditId - b.auditId);
}
