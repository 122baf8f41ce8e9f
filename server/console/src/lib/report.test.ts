import { describe, expect, it } from 'vitest';
import { previousMonths, reportFromQuery, reportQuery } from './report';

describe('report filters', () => {
  it('reads the month and scope, refusing months not begun and malformed values', () => {
    expect(reportFromQuery({ month: '2026-11', region: 'GD', centre: 'C-SZ', product_line: 'relay' }, '2026-12')).toEqual({
      month: '2026-11', region: 'GD', centre: 'C-SZ', product_line: 'relay',
    });
    expect(reportFromQuery({ month: '2027-01' }, '2026-12').month).toBe('2026-12');
    expect(reportFromQuery({ month: '2026-13', region: '<b>' }, '2026-12')).toEqual({ month: '2026-12', region: '', centre: '', product_line: '' });
  });
  it('writes only what is set', () => {
    expect(reportQuery({ month: '2026-12', region: '', centre: 'C-SZ', product_line: '' })).toEqual({ month: '2026-12', centre: 'C-SZ' });
  });
  it('months back across a year', () => {
    expect(previousMonths('2026-02', 4)).toEqual(['2026-02', '2026-01', '2025-12', '2025-11']);
  });
});
