/**
 * Word semantics shared by the exact matcher and the segment prefilter, so that the prefilter can never
 * disagree with the matcher about what a word is. Words are runs of letters and digits (`searchTerms` in
 * src/store/repos/log-fulltext.ts) compared case-insensitively and without diacritics (FTS5's unicode61
 * folds them: `cafe` finds `café`).
 *
 * Folding is done one code point at a time and maps a word character only to word characters (and leaves
 * every other character alone), so it keeps word boundaries where they are and folding a concatenation is
 * the concatenation of the folded parts: the prefilter folds a template's static text and a variable's
 * value separately and still sees the same words as the matcher does on the whole message.
 */

const WORD_CHAR = /^[\p{L}\p{N}]$/u;
const MARKS = /\p{M}/gu;
const foldCache = new Map<number, string>();
const wordCache = new Map<number, boolean>();

/** Whether one code point (given as its string) is a word character. */
export function isWordCodePoint(cp: number): boolean {
  if (cp < 128) {
    return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);
  }
  let w = wordCache.get(cp);
  if (w === undefined) {
    w = WORD_CHAR.test(String.fromCodePoint(cp));
    wordCache.set(cp, w);
  }
  return w;
}

/** The folded form of one word code point: lower case without combining marks, never empty. */
function foldCodePoint(cp: number): string {
  let f = foldCache.get(cp);
  if (f === undefined) {
    const ch = String.fromCodePoint(cp);
    f = ch.toLowerCase().normalize("NFD").replace(MARKS, "");
    // Keep the character itself when folding would drop it or turn it into a non-word character.
    if (f === "" || ![...f].every((c) => isWordCodePoint(c.codePointAt(0)!))) f = ch;
    foldCache.set(cp, f);
  }
  return f;
}

/** Folds a text: word characters case- and diacritic-folded, anything else unchanged. */
export function foldText(text: string): string {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 128) {
      ascii = false;
      break;
    }
  }
  if (ascii) return text.toLowerCase();
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp < 128 ? ch.toLowerCase() : isWordCodePoint(cp) ? foldCodePoint(cp) : ch;
  }
  return out;
}

/** Words: runs of letters and digits. */
export const WORD_RUNS = /[\p{L}\p{N}]+/gu;

/** The folded words of a text, in order (duplicates kept). */
export function foldedWords(text: string): string[] {
  return foldText(text).match(WORD_RUNS) ?? [];
}

/** The words of a search text as `LogQuery.text` means them, folded like messages are. */
export function queryWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map(foldText);
}
