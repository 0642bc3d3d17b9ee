import type { SlotStats } from "./slot-column.js";
import { foldText, isWordCodePoint, WORD_RUNS } from "./word-fold.js";

/**
 * Whether a message encoded against one template could contain a query word: the prefilter's core. It
 * over-approximates, never under: every combination of the wildcards' values is assumed possible, every
 * start of a static piece or value may start a word, and a number column stands for any digit string its
 * ranges allow. A word can span static text and values (`user<*>` with `123` has the word `user123`), so
 * the word is walked across the template's parts: static text must agree character by character, a
 * dictionary value must agree or contain the rest of the word, and a number absorbs digits.
 */

/** A template's parts, folded, as the prefilter walks them. */
export type Part =
  | { kind: "text"; text: string; allWord: boolean; starts: number[] }
  | { kind: "values"; values: FoldedValue[] }
  | { kind: "number"; stats: Extract<SlotStats, { kind: "number" }> };

export interface FoldedValue {
  text: string;
  allWord: boolean;
  /** The word run the value ends with ("" when it ends with another character). */
  lastRun: string;
}

export function textPart(text: string): Part {
  const folded = foldText(text);
  return { kind: "text", text: folded, allWord: isAllWord(folded), starts: runStarts(folded) };
}

export function slotPart(stats: SlotStats): Part {
  if (stats.kind === "number") return { kind: "number", stats };
  return {
    kind: "values",
    values: stats.values.map((v) => {
      const text = foldText(v);
      const runs = text.match(WORD_RUNS);
      const lastRun = runs && text.endsWith(runs[runs.length - 1]!) ? runs[runs.length - 1]! : "";
      return { text, allWord: lastRun.length === text.length && text !== "", lastRun };
    }),
  };
}

function isAllWord(text: string): boolean {
  for (const ch of text) if (!isWordCodePoint(ch.codePointAt(0)!)) return false;
  return true;
}

/** Offsets where a word can start: 0, and after each character that is not a word character. */
function runStarts(text: string): number[] {
  const starts: number[] = [];
  for (const m of text.matchAll(WORD_RUNS)) starts.push(m.index);
  if (starts[0] !== 0 && text !== "") starts.unshift(0);
  return starts;
}

/** Whether the character at `i` of a folded text starts a word character (false at the end). */
function wordAt(text: string, i: number): boolean {
  if (i >= text.length) return false;
  return isWordCodePoint(text.codePointAt(i)!);
}

const DIGIT_RUN = /^[0-9]+/;

/**
 * Whether some message of the template may hold `word` as a whole word (`prefix` false) or as the start
 * of a word (`prefix` true).
 */
export function partsMayContain(parts: readonly Part[], word: string, prefix: boolean): boolean {
  // go(i, j): the word's characters before j are matched, continuing a word into the start of part i.
  const memo = new Map<number, boolean>();
  const width = word.length + 1;

  /** The rest of the word, from j, laid against a known text from its offset `at`. */
  const against = (text: string, at: number, allWordFromAt: boolean, i: number, j: number): boolean => {
    const rest = word.length - j;
    const avail = text.length - at;
    if (rest <= avail) {
      if (!text.startsWith(word.slice(j), at)) return false;
      // A whole word must end where the text's word does.
      return prefix || !wordAt(text, at + rest);
    }
    return allWordFromAt && word.startsWith(text.slice(at), j) && go(i + 1, j + avail);
  };

  const numberFrom = (stats: Extract<Part, { kind: "number" }>["stats"], i: number, j: number): boolean => {
    const digits = DIGIT_RUN.exec(word.slice(j))?.[0] ?? "";
    if (digits === "") return false;
    // The word ends inside the number: only a prefix may (a whole word would go on with its digits).
    if (prefix && j + digits.length === word.length && digits.length <= stats.maxDigits) return true;
    for (let k = stats.minDigits; k <= Math.min(stats.maxDigits, digits.length); k++) {
      const x = Number(digits.slice(0, k));
      if (x >= stats.minAbs && x <= stats.maxAbs && go(i + 1, j + k)) return true;
    }
    return false;
  };

  const go = (i: number, j: number): boolean => {
    if (j === word.length) return true;
    if (i >= parts.length) return false;
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    memo.set(key, false);
    let ok = false;
    const part = parts[i]!;
    if (part.kind === "text") {
      ok = part.text === "" ? go(i + 1, j) : against(part.text, 0, part.allWord, i, j);
    } else if (part.kind === "number") {
      ok = numberFrom(part.stats, i, j);
    } else {
      for (const v of part.values) {
        if (v.text === "" ? go(i + 1, j) : against(v.text, 0, v.allWord, i, j)) {
          ok = true;
          break;
        }
      }
    }
    memo.set(key, ok);
    return ok;
  };

  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind === "text") {
      for (const at of part.starts) {
        if (against(part.text, at, part.allWord || !/[^\p{L}\p{N}]/u.test(part.text.slice(at)), i, 0))
          return true;
      }
    } else if (part.kind === "number") {
      if (numberFrom(part.stats, i, 0)) return true;
    } else {
      for (const v of part.values) {
        // Inside one value (a conservative substring test), or from the value's last word on into the next parts.
        if (v.text.includes(word)) return true;
        if (
          v.lastRun !== "" &&
          v.lastRun.length < word.length &&
          word.startsWith(v.lastRun) &&
          go(i + 1, v.lastRun.length)
        ) {
          return true;
        }
      }
    }
  }
  return false;
}
