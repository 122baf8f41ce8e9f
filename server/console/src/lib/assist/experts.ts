// The admin's experts and on-call rotas (issue 19): shapes of /v1/experts and
// /v1/product-lines/{code}/rota as the design gives them (local until the
// experts branch is in docs/openapi.json; then Schemas['Expert'] etc.), and
// the pure parts of the rota form.
import { problemError } from '@/api/client';
import { accessToken } from '@/auth/session';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

export interface Expert {
  user_id: number;
  username: string;
  display_name: string;
  role: string;
  languages: string[];
  product_lines: { code: string; lead: boolean }[];
  active: boolean;
}

export interface Shift {
  user_id: number;
  display_name?: string;
  days: Day[];
  start: string;
  end: string;
  time_zone: string;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const tok = accessToken();
  if (tok) headers.Authorization = `Bearer ${tok}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) throw problemError(res, parsed);
  return parsed as T;
}

export const expertsApi = {
  list: () => call<{ items: Expert[] }>('GET', '/v1/experts'),
  put: (userId: number, body: { languages: string[]; product_lines: { code: string; lead: boolean }[]; active: boolean }) =>
    call<Expert>('PUT', `/v1/experts/${userId}`, body),
  remove: (userId: number) => call<void>('DELETE', `/v1/experts/${userId}`),
  rota: (line: string) => call<{ product_line: string; shifts: Shift[] }>('GET', `/v1/product-lines/${encodeURIComponent(line)}/rota`),
  putRota: (line: string, shifts: Shift[]) =>
    call<{ product_line: string; shifts: Shift[] }>('PUT', `/v1/product-lines/${encodeURIComponent(line)}/rota`, { shifts: shifts.map(shiftBody) }),
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
