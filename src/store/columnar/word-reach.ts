import type { NumberSlotStats, SlotStats } from "./slot-column.js";
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
  | { kind: "text"; text: string; starts: number[] }
  | { kind: "values"; values: FoldedValues }
  | { kind: "number"; stats: NumberSlotStats };

/**
 * A dictionary's values, folded, in the forms the walk asks about, so each question is one lookup per
 * prefix of the word rather than a pass over the values.
 */
export interface FoldedValues {
  /** Every value after a newline: `joined.includes(w)` is "some value contains w" (a word has no newline),
   * `joined.includes("\n" + w)` is "some value starts with w". */
  joined: string;
  /** Values made only of word characters. */
  wordValues: Set<string>;
  /** The word run each value ends with (values ending in another character have none). */
  lastRuns: Set<string>;
  hasEmpty: boolean;
}

export function textPart(text: string): Part {
  const folded = foldText(text);
  return { kind: "text", text: folded, starts: runStarts(folded) };
}

export function slotPart(stats: SlotStats): Part {
  if (stats.kind === "number") return { kind: "number", stats };
  const values: FoldedValues = { joined: "", wordValues: new Set(), lastRuns: new Set(), hasEmpty: false };
  const parts: string[] = [];
  for (const v of stats.values) {
    const text = foldText(v);
    parts.push(text);
    if (text === "") {
      values.hasEmpty = true;
      continue;
    }
    const runs = text.match(WORD_RUNS);
    const lastRun = runs && text.endsWith(runs[runs.length - 1]!) ? runs[runs.length - 1]! : "";
    if (lastRun !== "") values.lastRuns.add(lastRun);
    if (lastRun.length === text.length) values.wordValues.add(text);
  }
  values.joined = `\n${parts.join("\n")}`;
  return { kind: "values", values };
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

/**
 * Whether some message of a template may hold `word` as a whole word (`prefix` false) or as the start
 * of a word (`prefix` true). One walker serves every template of a search, so nothing is allocated per
 * template but its memo entries.
 */
export class WordReach {
  /** digitEnd[j]: where the run of ASCII digits starting at j of the word ends. */
  private readonly digitEnd: Uint32Array;
  /** go(i, j) results: the word's characters before j matched, continuing into the start of part i. */
  private readonly memo = new Map<number, boolean>();
  private parts: readonly Part[] = [];

  constructor(
    readonly word: string,
    readonly prefix: boolean,
  ) {
    this.digitEnd = new Uint32Array(word.length + 1);
    this.digitEnd[word.length] = word.length;
    for (let j = word.length - 1; j >= 0; j--) {
      const c = word.charCodeAt(j);
      this.digitEnd[j] = c >= 48 && c <= 57 ? this.digitEnd[j + 1]! : j;
    }
  }

  mayContain(parts: readonly Part[]): boolean {
    this.parts = parts;
    this.memo.clear();
    const word = this.word;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part.kind === "text") {
        for (const at of part.starts) if (this.against(part.text, at, i, 0)) return true;
      } else if (part.kind === "number") {
        if (this.numberFrom(part.stats, i, 0)) return true;
      } else {
        // Inside one value (a conservative substring test), or from a value's last word on into the next parts.
        if (part.values.joined.includes(word)) return true;
        for (let k = 1; k < word.length; k++) {
          if (part.values.lastRuns.has(word.slice(0, k)) && this.go(i + 1, k)) return true;
        }
      }
    }
    return false;
  }

  /** The rest of the word, from j, laid against a known text from its offset `at`. */
  private against(text: string, at: number, i: number, j: number): boolean {
    const word = this.word;
    if (text.charCodeAt(at) !== word.charCodeAt(j)) return false;
    const rest = word.length - j;
    const avail = text.length - at;
    if (rest <= avail) {
      if (!text.startsWith(j === 0 ? word : word.slice(j), at)) return false;
      // A whole word must end where the text's word does.
      return this.prefix || !wordAt(text, at + rest);
    }
    return word.startsWith(text.slice(at), j) && isAllWord(text.slice(at)) && this.go(i + 1, j + avail);
  }

  private numberFrom(stats: NumberSlotStats, i: number, j: number): boolean {
    const digits = this.digitEnd[j]! - j;
    if (digits === 0) return false;
    // The word ends inside the number: only a prefix may (a whole word would go on with its digits).
    if (this.prefix && j + digits === this.word.length && digits <= stats.maxDigits) return true;
    for (let k = stats.minDigits; k <= Math.min(stats.maxDigits, digits); k++) {
      const x = Number(this.word.slice(j, j + k));
      if (x >= stats.minAbs && x <= stats.maxAbs && this.go(i + 1, j + k)) return true;
    }
    return false;
  }

  /** Continuing the word at j into a dictionary value. */
  private valuesFrom(v: FoldedValues, i: number, j: number): boolean {
    const word = this.word;
    // The word ends inside a value that starts with its rest (whether the value's word ends there too is
    // not checked: conservative).
    if (v.joined.includes(`\n${word.slice(j)}`)) return true;
    // The word runs through a value made of word characters, on into the next parts.
    for (let k = j + 1; k < word.length; k++) {
      if (v.wordValues.has(word.slice(j, k)) && this.go(i + 1, k)) return true;
    }
    return v.hasEmpty && this.go(i + 1, j);
  }

  private go(i: number, j: number): boolean {
    if (j === this.word.length) return true;
    if (i >= this.parts.length) return false;
    const key = i * (this.word.length + 1) + j;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    this.memo.set(key, false);
    const part = this.parts[i]!;
    let ok: boolean;
    if (part.kind === "text") ok = part.text === "" ? this.go(i + 1, j) : this.against(part.text, 0, i, j);
    else if (part.kind === "number") ok = this.numberFrom(part.stats, i, j);
    else ok = this.valuesFrom(part.values, i, j);
    this.memo.set(key, ok);
    return ok;
  }
}

/** One-off form of `WordReach`. */
export function partsMayContain(parts: readonly Part[], word: string, prefix: boolean): boolean {
  return new WordReach(word, prefix).mayContain(parts);
}
