import { describe, expect, it } from 'vitest';
import { activeTree, entryName, type CatalogueCategory } from './catalogue';

const e = (code: string, parent: string | null, sort: number, active = true) => ({
  code, parent, name: `名${code}`, name_en: `N-${code}`, sort, active,
});
const tree: CatalogueCategory[] = [
  { ...e('other', null, 40), subcategories: [e('praise', 'other', 44), e('consultation', 'other', 41)] },
  { ...e('fault_repair', null, 20), subcategories: [e('repair', 'fault_repair', 21)] },
  { ...e('old', null, 30, false), subcategories: [e('gone', 'old', 31)] },
  { ...e('complaint', null, 10), subcategories: [e('x', 'complaint', 11, false)] },
];

describe('the service catalogue', () => {
  it('names codes in the language shown', () => {
    expect(entryName(tree, 'repair', 'zh-CN')).toBe('名repair');
    expect(entryName(tree, 'repair', 'en')).toBe('N-repair');
    expect(entryName(tree, 'other', 'en')).toBe('N-other');
    expect(entryName(tree, 'unknown', 'en')).toBe('unknown');
    expect(entryName(tree, undefined, 'en')).toBe('');
  });
  it('offers only what is active, in order, with something to choose', () => {
    const a = activeTree(tree);
    expect(a.map((c) => c.code)).toEqual(['fault_repair', 'other']);
    expect(a[1]?.subcategories.map((s) => s.code)).toEqual(['consultation', 'praise']);
  });
});
