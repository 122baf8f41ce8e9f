import { describe, expect, it } from 'vitest';
import { move, rotaProblem, shiftBody, shiftSpan, type Shift } from './experts';

const shift = (o: Partial<Shift> = {}): Shift => ({ user_id: 7, days: ['mon'], start: '09:00', end: '18:00', time_zone: 'Asia/Shanghai', ...o });

describe('rota form', () => {
  it('sends days in week order and no display name', () => {
    expect(shiftBody(shift({ days: ['fri', 'mon', 'wed'], display_name: 'X', time_zone: ' Europe/Berlin ' }))).toEqual({
      user_id: 7, days: ['mon', 'wed', 'fri'], start: '09:00', end: '18:00', time_zone: 'Europe/Berlin',
    });
  });
  it('names the first bad field as the server would', () => {
    expect(rotaProblem([shift(), shift({ start: '25:00' })])).toBe('shifts[1].start');
    expect(rotaProblem([shift({ days: [] })])).toBe('shifts[0].days');
    expect(rotaProblem([shift({ user_id: 0 })])).toBe('shifts[0].user_id');
    expect(rotaProblem([shift({ end: '24:01' })])).toBe('shifts[0].end');
    expect(rotaProblem([shift({ time_zone: 'not a zone' })])).toBe('shifts[0].time_zone');
    expect(rotaProblem([shift({ end: '24:00' }), shift({ start: '22:00', end: '06:00' })])).toBeNull();
  });
  it('marks shifts over midnight', () => {
    expect(shiftSpan({ start: '22:00', end: '06:00' })).toBe('22:00–06:00 (+1)');
    expect(shiftSpan({ start: '00:00', end: '24:00' })).toBe('00:00–24:00');
  });
  it('moves rows in escalation order', () => {
    expect(move(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(move(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
  });
});
