// Knowledge-base articles are often written in both languages in the same
// field, Chinese first and the English after it (the demo's articles, and what
// writers in a Chinese company do: "断路器拒合 Circuit breaker will not close").
// The API keeps one text per field (`language`: zh, en or mixed), so the
// console shows the part in the reader's language when the text splits
// cleanly into a Chinese part followed by an English part, and the whole text
// otherwise. The page always offers the original as written.

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/;
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;
const LATIN_WORD = /[A-Za-z]{2,}/g;

export interface Bilingual {
  zh: string;
  en: string;
}

function count(s: string, re: RegExp): number {
  return s.match(re)?.length ?? 0;
}

/* A leading token of the English part that both languages share (a fault
 * code such as E-21, a number with its unit): it has a digit and no run of
 * two lower-case letters. "E-21" and "130 ℃" are shared, "Relay" is not. */
function shared(token: string): boolean {
  return /\d/.test(token) && !/[a-z]{2}/.test(token);
}

/* Splits "中文部分 English part" into its two languages, or null when the text
 * is not one Chinese part followed by one English part. The highlight marks
 * « » of search results pass through untouched. */
export function splitBilingual(text: string): Bilingual | null {
  let last = -1;
  for (let i = text.length - 1; i >= 0; i--) {
    if (CJK.test(text.charAt(i))) {
      last = i;
      break;
    }
  }
  if (last < 0) return null;
  let zh = text.slice(0, last + 1);
  let en = text.slice(last + 1);
  // A mark closing right after the Chinese (« 断路器 » then English) stays
  // with it.
  const close = en.match(/^»/);
  if (close) {
    zh += '»';
    en = en.slice(1);
  }
  en = en.trim();
  zh = zh.trim();
  // Enough English to be a translation, and Chinese that is mostly Chinese.
  if (count(en, LATIN_WORD) < 2) return null;
  if (count(zh, HAN) < 2 || count(zh, LATIN_WORD) > count(zh, HAN)) return null;
  // Codes at the start of the English belong to both ("告警 E-21 Relay alarm E-21").
  const lead: string[] = [];
  for (const token of en.split(/\s+/)) {
    if (!shared(token)) break;
    lead.push(token);
  }
  if (lead.length > 0) zh = `${zh} ${lead.join(' ')}`;
  return { zh, en };
}

/* The text to show a reader of this locale, and whether it is a part. */
export function inLanguage(text: string, locale: string, whole = false): string {
  if (whole) return text;
  const parts = splitBilingual(text);
  if (!parts) return text;
  return locale.startsWith('zh') ? parts.zh : parts.en;
}

/* Whether any of the texts has a part per language (the page then offers a
 * "show both languages" switch). */
export function anyBilingual(texts: readonly string[]): boolean {
  return texts.some((t) => splitBilingual(t) !== null);
}
