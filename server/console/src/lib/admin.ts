// What the admin pages show to whom (the server decides; this only hides
// what a role could not use): admins get every section, auditors read the
// users and the audit log.
import type { Role } from './roles';

export type AdminSection = 'users' | 'regions' | 'service-levels' | 'calendar' | 'qr-keys' | 'webhooks' | 'deliveries' | 'experts' | 'audit';

export const ADMIN_SECTIONS: readonly AdminSection[] = ['users', 'regions', 'service-levels', 'calendar', 'qr-keys', 'webhooks', 'deliveries', 'experts', 'audit'];

export function adminSectionsFor(role: Role | undefined): AdminSection[] {
  if (role === 'admin') return [...ADMIN_SECTIONS];
  if (role === 'auditor') return ['users', 'audit'];
  return [];
}

/* Whether the role may change things in the admin pages (auditors read). */
export function adminCanWrite(role: Role | undefined): boolean {
  return role === 'admin';
}

/* A JSON pointer from a problem document (/password, /targets/0) as the
 * form field it names (password). */
export function fieldOf(pointer: string | undefined): string {
  if (!pointer) return '';
  return pointer.replace(/^\//, '').split('/')[0] ?? '';
}

/* "+08:00" for 480 minutes. */
export function offsetLabel(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/* Every offset in use in the world, on quarter hours, -12:00 to +14:00. */
export function offsetChoices(): number[] {
  const out: number[] = [];
  for (let m = -720; m <= 840; m += 15) out.push(m);
  return out;
}
