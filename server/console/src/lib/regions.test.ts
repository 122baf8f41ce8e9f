import { describe, expect, it } from 'vitest';
import { regionName, subtreeCodes, treeOrder, type Region } from './regions';

const R = (code: string, parent: string | null, level: Region['level'] = 'city'): Region => ({ code, parent, name: `名${code}`, name_en: code === 'SZ' ? '' : `N${code}`, level });
const regions = [R('CN', null, 'country'), R('BJ', 'CN', 'province'), R('GD', 'CN', 'province'), R('GZ', 'GD'), R('SZ', 'GD'), R('X', 'missing')];

describe('regions', () => {
  it('depth-first order with depths; unknown parents are roots', () => {
    expect(treeOrder(regions).map((r) => `${r.code}:${r.depth}`)).toEqual(['CN:0', 'BJ:1', 'GD:1', 'GZ:2', 'SZ:2', 'X:0']);
  });
  it('a subtree', () => {
    expect([...subtreeCodes(regions, 'GD')]).toEqual(['GD', 'GZ', 'SZ']);
    expect([...subtreeCodes(regions, 'nowhere')]).toEqual([]);
  });
  it('names by language, the Chinese name when there is no English one', () => {
    expect(regionName(R('GD', 'CN'), 'en')).toBe('NGD');
    expect(regionName(R('GD', 'CN'), 'zh-CN')).toBe('名GD');
    expect(regionName(R('SZ', 'GD'), 'en')).toBe('名SZ');
  });
  it('a cycle does not hang', () => {
    expect(treeOrder([R('A', 'B'), R('B', 'A')], 'A').map((r) => r.code)).toEqual(['A', 'B']);
  });
});
