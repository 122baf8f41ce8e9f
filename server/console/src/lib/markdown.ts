// A reader for the small Markdown the monthly report is written in
// (headings, paragraphs, pipe tables, lists, rules, fenced code, **bold**
// and `code`). It returns plain data that a Vue template renders as text
// nodes: nothing here ever becomes HTML, so a name in the report shows as
// the characters it is.

export type Inline = { kind: 'text' | 'strong' | 'code'; text: string };
export type Align = 'left' | 'right' | 'center' | null;

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; text: Inline[] }
  | { kind: 'paragraph'; text: Inline[] }
  | { kind: 'list'; ordered: boolean; items: Inline[][] }
  | { kind: 'table'; header: Inline[][]; align: Align[]; rows: Inline[][][] }
  | { kind: 'code'; text: string }
  | { kind: 'rule' };

/* **strong** and `code` spans; everything else is text as written. */
export function parseInline(s: string): Inline[] {
  const out: Inline[] = [];
  const re = /\*\*(.+?)\*\*|`([^`]+)`/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > last) out.push({ kind: 'text', text: s.slice(last, m.index) });
    if (m[1] !== undefined) out.push({ kind: 'strong', text: m[1] });
    else out.push({ kind: 'code', text: m[2]! });
    last = re.lastIndex;
  }
  if (last < s.length) out.push({ kind: 'text', text: s.slice(last) });
  return out;
}

/* Plain text of inline spans (for tests, headings' ids, file names). */
export function inlineText(spans: Inline[]): string {
  return spans.map((s) => s.text).join('');
}

/* A table row's cells: the outer pipes are optional, \| is a pipe. */
export function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && s[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '|') {
      cells.push(cur.trim());
      cur = '';
    } else {
      cur += c;
    }
  }
  cells.push(cur.trim());
  return cells;
}

const DELIMITER_CELL = /^:?-{1,}:?$/;

function isDelimiterRow(line: string): boolean {
  if (!line.includes('-')) return false;
  const cells = splitRow(line);
  return cells.length > 0 && cells.every((c) => DELIMITER_CELL.test(c));
}

function alignOf(cell: string): Align {
  const l = cell.startsWith(':');
  const r = cell.endsWith(':');
  if (l && r) return 'center';
  if (r) return 'right';
  if (l) return 'left';
  return null;
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const ORDERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
const FENCE = /^\s{0,3}(```|~~~)/;

export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  const blank = (l: string | undefined) => l === undefined || l.trim() === '';

  while (i < lines.length) {
    const line = lines[i]!;
    if (blank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(fence[1]!)) body.push(lines[i++]!);
      i++; // the closing fence (or the end)
      blocks.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const h = HEADING.exec(line);
    if (h) {
      blocks.push({ kind: 'heading', level: h[1]!.length as 1 | 2 | 3 | 4 | 5 | 6, text: parseInline(h[2]!) });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ kind: 'rule' });
      i++;
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && isDelimiterRow(lines[i + 1]!)) {
      const header = splitRow(line);
      const align = splitRow(lines[i + 1]!).map(alignOf);
      i += 2;
      const rows: Inline[][][] = [];
      while (i < lines.length && !blank(lines[i]) && lines[i]!.includes('|')) {
        const cells = splitRow(lines[i]!);
        // Rows keep the header's width: missing cells are empty, extra ones dropped.
        rows.push(header.map((_, c) => parseInline(cells[c] ?? '')));
        i++;
      }
      while (align.length < header.length) align.push(null);
      blocks.push({ kind: 'table', header: header.map(parseInline), align: align.slice(0, header.length), rows });
      continue;
    }
    const bullet = BULLET.exec(line);
    const ordered = bullet ? null : ORDERED.exec(line);
    if (bullet || ordered) {
      const re = bullet ? BULLET : ORDERED;
      const items: Inline[][] = [];
      let cur: string | null = null;
      while (i < lines.length && !blank(lines[i])) {
        const l = lines[i]!;
        const m = re.exec(l);
        if (m) {
          if (cur !== null) items.push(parseInline(cur));
          cur = m[1]!;
        } else if (cur !== null && /^\s+/.test(l)) {
          cur += ` ${l.trim()}`; // a continuation line
        } else {
          break;
        }
        i++;
      }
      if (cur !== null) items.push(parseInline(cur));
      blocks.push({ kind: 'list', ordered: !bullet, items });
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      !blank(lines[i]) &&
      !HEADING.test(lines[i]!) &&
      !RULE.test(lines[i]!) &&
      !FENCE.test(lines[i]!) &&
      !BULLET.test(lines[i]!) &&
      !(lines[i]!.includes('|') && i + 1 < lines.length && isDelimiterRow(lines[i + 1]!))
    ) {
      para.push(lines[i]!.trim());
      i++;
    }
    blocks.push({ kind: 'paragraph', text: parseInline(para.join(' ')) });
  }
  return blocks;
}
