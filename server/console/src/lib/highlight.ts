// Search results mark their matches with « and » (GET /v1/kb/search). The
// page shows them as <mark> elements built from these pieces, so the text
// itself is never parsed as HTML.

export interface Piece {
  text: string;
  hit: boolean;
}

/* Splits a marked text into plain and matched pieces. An unclosed « marks to
 * the end (a snippet cut after it); a stray » is dropped. */
export function highlightPieces(marked: string): Piece[] {
  const out: Piece[] = [];
  let hit = false;
  let buf = '';
  const flush = () => {
    if (buf) out.push({ text: buf, hit });
    buf = '';
  };
  for (const ch of marked) {
    if (ch === '«' && !hit) {
      flush();
      hit = true;
    } else if (ch === '»') {
      if (hit) {
        flush();
        hit = false;
      }
    } else {
      buf += ch;
    }
  }
  flush();
  return out;
}

/* The text without its marks (for titles, labels and the document title). */
export function unmark(marked: string): string {
  return marked.replace(/[«»]/g, '');
}
