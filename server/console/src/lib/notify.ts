// The notification settings page's logic (issue 18), plain so it is tested:
// the kinds × channels grid and the PATCH body built from it (only what
// changed; null sends a channel back to the role's default), quiet hours
// checked before they go, a problem's JSON pointer placed at the field it
// names, the time zones offered, the acknowledgement link's token, and the
// delivery list's tones and latencies.
import type { Schemas } from '@/api/client';

export type Settings = Schemas['NotificationSettings'];
export type SettingsPatch = Schemas['NotificationSettingsPatch'];
export type Delivery = Schemas['Delivery'];

export const KINDS = ['ticket.assigned', 'sla.warning', 'sla.escalation', 'warranty.digest', 'problem.opened'] as const;
export const CHANNELS = ['push', 'email', 'sms'] as const;
export type Kind = (typeof KINDS)[number];
export type Channel = (typeof CHANNELS)[number];

/* One cell of the grid as edited: on, off, or null = "back to the role's
 * default" (shown as the default's value). */
export type Cell = boolean | null;
export type Grid = Record<Kind, Record<Channel, Cell>>;
type Flags = Record<Kind, Record<Channel, boolean>>;
/* The person's own choices only (the server's `chosen`): what is absent
 * follows the role's default. */
export type Chosen = Partial<Record<string, Partial<Record<Channel, boolean>>>>;

/* The grid as the server answered it: every cell a value, or, given the
 * person's own choices, null where they chose nothing (the default). */
export function gridOf(channels: Flags, chosen?: Chosen): Grid {
  const g = {} as Grid;
  for (const k of KINDS) {
    const cell = (c: Channel): Cell => (chosen ? (chosen[k]?.[c] ?? null) : channels[k][c]);
    g[k] = { push: cell('push'), email: cell('email'), sms: cell('sms') };
  }
  return g;
}

/* What a cell shows: its value, or the default's when sent back to it. */
export function effective(cell: Cell, fallback: boolean): boolean {
  return cell === null ? fallback : cell;
}

/* The `channels` member of a PATCH: each cell whose value differs from what
 * the server has, and each cell sent back to its default (null, always sent:
 * the server may hold an override equal to the default). undefined when
 * nothing changed. */
export function channelsPatch(draft: Grid, saved: Flags, chosen?: Chosen): SettingsPatch['channels'] {
  const out: Record<string, Record<string, boolean | null>> = {};
  for (const k of KINDS) {
    for (const c of CHANNELS) {
      const v = draft[k][c];
      // With the choices known, exactly the cells whose choice changed go.
      const changed = chosen ? v !== (chosen[k]?.[c] ?? null) : v === null || v !== saved[k][c];
      if (changed) (out[k] ??= {})[c] = v;
    }
  }
  return Object.keys(out).length ? (out as SettingsPatch['channels']) : undefined;
}

export interface Draft {
  language: 'zh' | 'en';
  time_zone: string;
  quietOn: boolean;
  quietStart: string;
  quietEnd: string;
  email: string;
  /* null: the role's default (sales: weekly; others off) */
  digest: 'off' | 'daily' | 'weekly' | null;
  grid: Grid;
}

export function draftOf(s: Settings): Draft {
  return {
    language: s.language,
    time_zone: s.time_zone,
    quietOn: s.quiet_hours !== null,
    quietStart: s.quiet_hours?.start ?? '22:00',
    quietEnd: s.quiet_hours?.end ?? '07:00',
    email: s.email,
    digest: s.digest_is_default ? null : s.digest,
    grid: gridOf(s.channels, s.chosen),
  };
}

/* The PATCH body: only the members that changed (the server merges). */
export function settingsPatch(d: Draft, s: Settings): SettingsPatch {
  const p: SettingsPatch = {};
  if (d.language !== s.language) p.language = d.language;
  if (d.time_zone !== s.time_zone) p.time_zone = d.time_zone;
  if (!d.quietOn) {
    if (s.quiet_hours !== null) p.quiet_hours = null;
  } else if (!s.quiet_hours || s.quiet_hours.start !== d.quietStart || s.quiet_hours.end !== d.quietEnd) {
    p.quiet_hours = { start: d.quietStart, end: d.quietEnd };
  }
  if (d.email !== s.email) p.email = d.email;
  if (d.digest === null ? !s.digest_is_default : s.digest_is_default || d.digest !== s.digest) p.digest = d.digest;
  const ch = channelsPatch(d.grid, s.channels, s.chosen);
  if (ch) p.channels = ch;
  return p;
}

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/* Quiet hours' problems before they go: by pointer, the i18n key (notify.*)
 * of what is wrong. They may span midnight (22:00 to 07:00). */
export function quietHoursErrors(on: boolean, start: string, end: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!on) return out;
  if (!HHMM.test(start)) out['/quiet_hours/start'] = 'notify.quiet.badTime';
  if (!HHMM.test(end)) out['/quiet_hours/end'] = 'notify.quiet.badTime';
  else if (start === end) out['/quiet_hours/end'] = 'notify.quiet.same';
  return out;
}

/* Whether quiet hours run over midnight (end earlier than start). */
export function spansMidnight(start: string, end: string): boolean {
  return HHMM.test(start) && HHMM.test(end) && end < start;
}

/* The fields of the settings form, by the JSON pointer the server names. */
export const FIELD_POINTERS: readonly string[] = [
  '/language',
  '/time_zone',
  '/quiet_hours',
  '/quiet_hours/start',
  '/quiet_hours/end',
  '/email',
  '/digest',
  '/channels',
  ...KINDS.map((k) => `/channels/${k}`),
  ...KINDS.flatMap((k) => CHANNELS.map((c) => `/channels/${k}/${c}`)),
];

/* The field a problem's pointer lands on: the pointer itself when the form
 * has it, else its nearest parent that the form has (`/quiet_hours/x` →
 * `/quiet_hours`), else '' (shown above the form). JSON pointer escapes
 * (~1 for "/", ~0 for "~") are compared as written. */
export function fieldForPointer(pointer: string | undefined, fields: readonly string[] = FIELD_POINTERS): string {
  if (!pointer) return '';
  let p = pointer;
  for (;;) {
    if (fields.includes(p)) return p;
    const cut = p.lastIndexOf('/');
    if (cut <= 0) return '';
    p = p.slice(0, cut);
  }
}

/* A 400's errors placed at their fields: {pointer of the field: detail};
 * several at one field are joined. Those with no field go under ''. */
export function errorsByField(
  errors: readonly { pointer?: string; detail?: string }[],
  fields: readonly string[] = FIELD_POINTERS,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const f = fieldForPointer(e.pointer, fields);
    const text = e.detail ?? '';
    out[f] = out[f] ? `${out[f]}; ${text}` : text;
  }
  return out;
}

/* The time zones offered: China's first, then its neighbours, Europe, the
 * Americas, UTC; the person's own (and the browser's) added when not there. */
export const COMMON_ZONES: readonly string[] = [
  'Asia/Shanghai',
  'Asia/Hong_Kong',
  'Asia/Taipei',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Asia/Seoul',
  'Asia/Bangkok',
  'Asia/Kolkata',
  'Asia/Dubai',
  'Australia/Sydney',
  'Europe/Berlin',
  'Europe/London',
  'Europe/Paris',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'UTC',
];

export function zoneChoices(...also: (string | undefined)[]): string[] {
  const out = [...COMMON_ZONES];
  for (const z of also) if (z && !out.includes(z)) out.push(z);
  return out;
}

/* The token of an acknowledgement link (?token=<48 hex>), lower case, or
 * null when the link is not one (cut short by a mail client, say). */
export function ackToken(q: unknown): string | null {
  const v = Array.isArray(q) ? q[0] : q;
  if (typeof v !== 'string') return null;
  const t = v.trim().toLowerCase();
  return /^[0-9a-f]{48}$/.test(t) ? t : null;
}

/* A delivery state's tag colour (ft-tag classes). */
export function deliveryTone(status: Delivery['status']): 'ok' | 'warn' | 'bad' | 'info' | 'muted' {
  switch (status) {
    case 'sent': return 'ok';
    case 'dead': return 'bad';
    case 'sending': return 'info';
    case 'pending': return 'warn';
    default: return 'muted';
  }
}

/* "850 ms", "4.2 s", "3 min 05 s" (numbers in the given locale), "—". */
export function formatLatency(ms: number | null | undefined, locale = 'en'): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const n = (v: number, digits = 0) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v);
  if (ms < 1000) return `${n(ms)} ms`;
  if (ms < 60_000) return `${n(ms / 1000, 1)} s`;
  const s = Math.round(ms / 1000);
  return `${n(Math.floor(s / 60))} min ${String(s % 60).padStart(2, '0')} s`;
}

/* The ticket page's escalation state: the level reached, the highest level
 * acknowledged so far (history `escalation_acknowledged`), and whether one
 * is waiting for an acknowledgement: the server says so in
 * `sla.escalation_waiting` (per target and level); the history is the
 * fallback for an answer without it. */
export function escalationState(t: {
  status: string;
  sla?: { escalation_level?: number; escalation_waiting?: boolean } | null;
  history?: { action: string; detail?: Record<string, unknown> | null }[];
}): { level: number; acknowledged: number; waiting: boolean } {
  const level = t.sla?.escalation_level ?? 0;
  let acknowledged = 0;
  for (const e of t.history ?? []) {
    if (e.action !== 'escalation_acknowledged') continue;
    const l = Number(e.detail?.level);
    if (Number.isInteger(l) && l > acknowledged) acknowledged = l;
  }
  const open = !['resolved', 'follow_up', 'closed', 'cancelled'].includes(t.status);
  const waiting = t.sla?.escalation_waiting ?? (level > 0 && acknowledged < level);
  return { level, acknowledged, waiting: open && waiting };
}
