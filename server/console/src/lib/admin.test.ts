import { describe, expect, it } from 'vitest';
import { adminCanWrite, adminSectionsFor, fieldOf, offsetChoices, offsetLabel } from './admin';

describe('admin', () => {
  it('sections by role', () => {
    expect(adminSectionsFor('admin')).toHaveLength(9);
    expect(adminSectionsFor('admin')).toContain('experts');
    expect(adminSectionsFor('admin')).toContain('deliveries');
    expect(adminSectionsFor('auditor')).toEqual(['users', 'audit']);
    expect(adminSectionsFor('supervisor')).toEqual([]);
    expect(adminCanWrite('auditor')).toBe(false);
    expect(adminCanWrite('admin')).toBe(true);
  });
  it('field names from pointers', () => {
    expect(fieldOf('/password')).toBe('password');
    expect(fieldOf('/levels/0/user_ids/1')).toBe('levels');
    expect(fieldOf(undefined)).toBe('');
    expect(fieldOf('region')).toBe('region');
  });
  it('UTC offsets', () => {
    expect(offsetLabel(480)).toBe('UTC+08:00');
    expect(offsetLabel(-570)).toBe('UTC-09:30');
    expect(offsetLabel(0)).toBe('UTC+00:00');
    expect(offsetChoices()[0]).toBe(-720);
    expect(offsetChoices().at(-1)).toBe(840);
    expect(offsetChoices()).toContain(345); // Nepal
  });
});
