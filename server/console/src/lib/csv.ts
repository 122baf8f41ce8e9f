// CSV for spreadsheets (the warranty desk's export): RFC 4180 (fields with a
// comma, quote, CR or LF quoted, quotes doubled, CRLF between records), UTF-8
// with a byte-order mark so Excel and WPS open Chinese text intact, and a
// guard against formula injection (OWASP "CSV injection"): a text cell that
// starts with = + - @, a tab or a CR gets a leading single quote, so a
// spreadsheet shows it as text instead of evaluating it. Numbers are written
// as numbers (a number cannot be a formula, and -3 must stay -3).
//
// Excel-readable: this BOM CSV is the Excel file too. Excel (Windows and Mac,
// 2016 on) and WPS open a UTF-8 CSV that starts with a BOM with its Chinese
// intact by double-click, so a real .xlsx would add nothing a sales desk
// needs; the well-kept .xlsx writers on npm cost far more than this page
// (exceljs is about 1 MB minified) or are the stale npm build of SheetJS with
// open advisories. So one file, no dependency.

export const BOM = '\uFEFF';

export type CsvValue = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (FORMULA_START.test(s)) s = `'${s}`;
  if (NEEDS_QUOTES.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

/* The whole file: BOM, header record, data records, each ended by CRLF. */
export function buildCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header, ...rows].map((r) => r.map(csvCell).join(','));
  return `${BOM}${lines.join('\r\n')}\r\n`;
}
