// Dates, numbers and durations in the chosen language, in the browser's time
// zone (shown beside times where it matters: lib/format.ts timeZoneName()).
import { currentLocale } from '@/i18n';

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00` : iso);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium' }).format(d);
}

export function formatNumber(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return new Intl.NumberFormat(currentLocale(), { maximumFractionDigits: digits }).format(n);
}

export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '—';
  return new Intl.NumberFormat(currentLocale(), {
    style: 'percent',
    maximumFractionDigits: digits,
  }).format(ratio);
}

/* "2 h 05 min" / "-15 min" style, signed: negative means overdue. */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(Math.round(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  const unit = (value: number, u: 'day' | 'hour' | 'minute') =>
    new Intl.NumberFormat(currentLocale(), { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(value);
  if (d > 0) return `${sign}${unit(d, 'day')} ${unit(h, 'hour')}`;
  if (h > 0) return `${sign}${unit(h, 'hour')} ${unit(m, 'minute')}`;
  return `${sign}${unit(m, 'minute')}`;
}

export function timeZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
