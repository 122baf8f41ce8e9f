// What each role's console shows. The server decides every permission
// (core/policy.c); this only hides links a role could not use, and picks the
// page a role lands on after sign-in.
import type { Me } from '@/auth/session';

export type Role = Me['role'];
export type NavKey =
  | 'dispatch' | 'intake' | 'warranty' | 'analytics' | 'reports' | 'problems'
  | 'lookup' | 'kb' | 'assist' | 'notifications' | 'account' | 'admin';

const NAV: Record<Role, NavKey[]> = {
  dispatcher: ['dispatch', 'intake', 'lookup', 'kb', 'assist', 'notifications', 'account'],
  sales: ['warranty', 'intake', 'lookup', 'kb', 'notifications', 'account'],
  supervisor: ['analytics', 'reports', 'dispatch', 'problems', 'intake', 'lookup', 'kb', 'assist', 'notifications', 'account'],
  technician: ['lookup', 'intake', 'kb', 'assist', 'notifications', 'account'],
  admin: ['dispatch', 'analytics', 'reports', 'warranty', 'problems', 'intake', 'lookup', 'kb', 'assist', 'admin', 'notifications', 'account'],
  auditor: ['analytics', 'reports', 'lookup', 'kb', 'admin', 'notifications', 'account'],
};

export function navFor(role: Role): NavKey[] {
  return NAV[role];
}

export function homeFor(role: Role): string {
  switch (role) {
    case 'dispatcher': return '/dispatch';
    case 'sales': return '/warranty';
    case 'supervisor': return '/analytics';
    case 'admin': return '/dispatch';
    case 'auditor': return '/admin/audit';
    case 'technician': return '/lookup';
  }
}
