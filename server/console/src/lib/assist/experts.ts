// The admin's experts and on-call rotas (issue 19): /v1/experts and
// /v1/product-lines/{code}/rota through the typed client, and the pure parts
// of the rota form.
import { api, ok, type Schemas } from '@/api/client';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

export type Expert = Schemas['Expert'];
export type Shift = Omit<Schemas['ShiftInput'], 'days'> & { days: Day[] };

export const expertsApi = {
  list: async () => ok(await api.GET('/v1/experts')),
  put: async (userId: number, body: Schemas['ExpertInput']) =>
    ok(await api.PUT('/v1/experts/{user_id}', { params: { path: { user_id: userId } }, body })),
  remove: async (userId: number) => {
    ok(await api.DELETE('/v1/experts/{user_id}', { params: { path: { user_id: userId } } }));
  },
  rota: async (line: string) => ok(await api.GET('/v1/product-lines/{code}/rota', { params: { path: { code: line } } })),
  putRota: async (line: string, shifts: Shift[]) =>
    ok(await api.PUT('/v1/product-lines/{code}/rota', { params: { path: { code: line } }, body: { shifts: shifts.map(shiftBody) } })),
};

/* What PUT takes of a shift: days in week order, no display name. */
export function shiftBody(s: Shift): Shift {
  return {
    user_id: s.user_id,
    days: DAYS.filter((d) => s.days.includes(d)),
    start: s.start,
    end: s.end,
    time_zone: s.time_zone.trim(),
  };
}

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/* The first problem of a rota form, as the field path the server would name
 * (shifts[2].start), or null. The server checks again (zones especially). */
export function rotaProblem(shifts: Shift[]): string | null {
  for (const [i, s] of shifts.entries()) {
    if (!s.user_id) return `shifts[${i}].user_id`;
    if (!s.days.length) return `shifts[${i}].days`;
    if (!HHMM.test(s.start)) return `shifts[${i}].start`;
    if (!(HHMM.test(s.end) || s.end === '24:00')) return `shifts[${i}].end`;
    if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(s.time_zone.trim())) return `shifts[${i}].time_zone`;
  }
  return null;
}

/* "22:00–06:00 (+1)" for a shift over midnight. */
export function shiftSpan(s: Pick<Shift, 'start' | 'end'>): string {
  return s.end <= s.start && s.end !== '24:00' ? `${s.start}–${s.end} (+1)` : `${s.start}–${s.end}`;
}

/* Moves a row up or down (escalation order), returning a new array. */
export function move<T>(list: readonly T[], i: number, by: -1 | 1): T[] {
  const j = i + by;
  if (j < 0 || j >= list.length) return [...list];
  const out = [...list];
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
}
