import { describe, expect, it } from 'vitest';
import { messages } from './index';

function keys(o: unknown, prefix = ''): string[] {
  if (typeof o !== 'object' || o === null) return [prefix];
  return Object.entries(o).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function leaves(o: unknown): unknown[] {
  if (typeof o !== 'object' || o === null) return [o];
  return Object.values(o).flatMap(leaves);
}

describe('translations', () => {
  it('Chinese and English have the same keys', () => {
    const en = keys(messages.en).sort();
    const zh = keys(messages['zh-CN']).sort();
    expect(zh.filter((k) => !en.includes(k))).toEqual([]);
    expect(en.filter((k) => !zh.includes(k))).toEqual([]);
  });
  it('no text is empty', () => {
    for (const lang of [messages.en, messages['zh-CN']])
      for (const v of leaves(lang)) expect(typeof v === 'string' && v.trim().length > 0).toBe(true);
  });
});
