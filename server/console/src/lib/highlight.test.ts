import { describe, expect, it } from 'vitest';
import { highlightPieces, unmark } from './highlight';

describe('highlightPieces', () => {
  it('marks the words between « and »', () => {
    expect(highlightPieces('合闸后«断路器»不动作')).toEqual([
      { text: '合闸后', hit: false },
      { text: '断路器', hit: true },
      { text: '不动作', hit: false },
    ]);
  });
  it('handles several marks, marks at the ends and an ellipsis', () => {
    expect(highlightPieces('«coil» and «coil»…')).toEqual([
      { text: 'coil', hit: true },
      { text: ' and ', hit: false },
      { text: 'coil', hit: true },
      { text: '…', hit: false },
    ]);
  });
  it('survives unbalanced marks', () => {
    expect(highlightPieces('before «cut')).toEqual([
      { text: 'before ', hit: false },
      { text: 'cut', hit: true },
    ]);
    expect(highlightPieces('stray» end')).toEqual([{ text: 'stray end', hit: false }]);
  });
  it('keeps markup as text', () => {
    expect(highlightPieces('«<img src=x onerror=alert(1)>»')).toEqual([
      { text: '<img src=x onerror=alert(1)>', hit: true },
    ]);
  });
  it('plain text is one piece; empty is none', () => {
    expect(highlightPieces('plain')).toEqual([{ text: 'plain', hit: false }]);
    expect(highlightPieces('')).toEqual([]);
  });
  it('unmark drops the marks', () => {
    expect(unmark('«断路器»拒合')).toBe('断路器拒合');
  });
});
