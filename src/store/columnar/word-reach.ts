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
  | { kind: "values"; values: ValueSet }
  | { kind: "number"; stats: NumberSlotStats };

/**
 * What the walk asks of a dictionary's values (folded). Answers may be true when the exact answer is
 * false (a set that over-approximates, as `RawValues` in `lean-index.ts` does), never the reverse.
 */
export interface ValueSet {
  /** Some value is empty. */
  readonly hasEmpty: boolean;
  /** Some value contains `s`. */
  contains(s: string): boolean;
  /** Some value starts with `s`. */
  startsWith(s: string): boolean;
  /** Some value is `s`, made only of word characters. */
  hasWordValue(s: string): boolean;
  /** Some value ends with the word run `s`. */
  hasLastRun(s: string): boolean;
}

/**
 * A dictionary's values, folded, in the forms the walk asks about, so each question is one lookup per
 * prefix of the word rather than a pass over the values. The two sets are built on first use: most
 * slots are followed by a space or punctuation, where no word goes on past a value, and a search over a
 * large store builds the parts of every segment it reads afresh.
 */
export class FoldedValues implements ValueSet {
  #sets: { wordValues: Set<string>; lastRuns: Set<string> } | undefined;

  /**
   * `joined`: every value after a newline, so `joined.includes(w)` is "some value contains w" (a word has
   * no newline) and `joined.includes("\n" + w)` is "some value starts with w". `sets`, when known.
   */
  constructor(
    readonly joined: string,
    readonly hasEmpty: boolean,
    sets?: { wordValues: Set<string>; lastRuns: Set<string> },
  ) {
    this.#sets = sets;
  }

  /** Values made only of word characters. */
  get wordValues(): Set<string> {
    this.#sets ??= runsOfJoined(this.joined);
    return this.#sets.wordValues;
  }

  /** The word run each value ends with (values ending in another character have none). */
  get lastRuns(): Set<string> {
    this.#sets ??= runsOfJoined(this.joined);
    return this.#sets.lastRuns;
  }

  contains(s: string): boolean {
    return this.joined.includes(s);
  }

  startsWith(s: string): boolean {
    return this.joined.includes(`\n${s}`);
  }

  hasWordValue(s: string): boolean {
    return this.wordValues.has(s);
  }

  hasLastRun(s: string): boolean {
    return this.lastRuns.has(s);
  }
}

export function textPart(text: string): Part {
  const folded = foldText(text);
  return { kind: "text", text: folded, starts: runStarts(folded) };
}

export function slotPart(stats: SlotStats): Part {
  if (stats.kind === "number") return { kind: "number", stats };
  // Folded once, whole: folding a concatenation is the concatenation of the folded parts (word-fold.ts),
  // and folding value by value allocated per value (most of a search's index time). A value holding a
  // newline would blur the boundaries: such a dictionary takes the value-by-value way.
  if (stats.values.some((v) => v.includes("\n")))
    return { kind: "values", values: foldValuesOneByOne(stats.values) };
  const joined = foldText(`\n${stats.values.join("\n")}`);
  // An empty value: two newlines in a row, or one at the end (folding empties no value).
  const hasEmpty = joined.includes("\n\n") || joined.endsWith("\n");
  return { kind: "values", values: new FoldedValues(joined, stats.values.length > 0 && hasEmpty) };
}

/** The two sets of `FoldedValues` from its joined text, in one pass (no value holds a newline). */
function runsOfJoined(joined: string): { wordValues: Set<string>; lastRuns: Set<string> } {
  const wordValues = new Set<string>();
  const lastRuns = new Set<string>();
  let start = 1;
  while (start <= joined.length) {
    let end = joined.indexOf("\n", start);
    if (end < 0) end = joined.length;
    // The word run the value ends with: back from its end over word characters.
    let i = end;
    while (i > start) {
      let cp = joined.charCodeAt(i - 1);
      let width = 1;
      if (cp >= 0xdc00 && cp <= 0xdfff && i - 2 >= start) {
        const high = joined.charCodeAt(i - 2);
        if (high >= 0xd800 && high <= 0xdbff) {
          cp = (high - 0xd800) * 0x400 + (cp - 0xdc00) + 0x10000;
          width = 2;
        }
      }
      if (!isWordCodePoint(cp)) break;
      i -= width;
    }
    if (i < end) {
      const run = joined.slice(i, end);
      lastRuns.add(run);
      if (i === start) wordValues.add(run);
    }
    start = end + 1;
  }
  return { wordValues, lastRuns };
}

/**
 * `slotPart`'s values folded one at a time: for dictionaries whose values may hold a newline, and the
 * reference its one-pass way is tested against (test/store/columnar/word-reach.test.ts).
 */
export function foldValuesOneByOne(raw: readonly string[]): FoldedValues {
  const wordValues = new Set<string>();
  const lastRuns = new Set<string>();
  let hasEmpty = false;
  const parts: string[] = [];
  for (const v of raw) {
    const text = foldText(v);
    parts.push(text);
    if (text === "") {
      hasEmpty = true;
      continue;
    }
    const runs = text.match(WORD_RUNS);
    const lastRun = runs && text.endsWith(runs[runs.length - 1]!) ? runs[runs.length - 1]! : "";
    if (lastRun !== "") lastRuns.add(lastRun);
    if (lastRun.length === text.length) wordValues.add(text);
  }
  return new FoldedValues(`\n${parts.join("\n")}`, hasEmpty, { wordValues, lastRuns });
}

function isAllWord(text: string): boolean {
  for (const ch of text) if (!isWordCodePoint(ch.codePointAt(0)!)) return false;
  return true;
}

/** Offsets where a word can start: 0, and after each character that is not a word character. */
function runStarts(text: string): number[] {
  const starts: number[] = text === "" ? [] : [0];
  let inWord = false;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const word = isWordCodePoint(cp);
    if (word && !inWord && i > 0) starts.push(i);
    inWord = word;
    i += cp > 0xffff ? 2 : 1;
  }
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
  /** False: number columns supply no characters (is the word reachable without them?). */
  private numbers = true;
  /**
   * While `numberCandidates` runs: every way through is walked (no stop at the first), and each number
   * part's texts on a way that completes the word are kept, by part index.
   */
  private collected: Map<number, { exact: Set<string>; starts: Set<string> }> | null = null;

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

  /**
   * `numbers` false asks whether the word can be found without any number column supplying a character
   * of it: when not, a row can hold it only if one of its numbers is a value `NumberWordTest` accepts.
   */
  mayContain(parts: readonly Part[], numbers = true): boolean {
    this.parts = parts;
    this.numbers = numbers;
    this.memo.clear();
    return this.fromStarts();
  }

  /**
   * For a word `mayContain(parts, false)` rules out: by part index, each number part's digit texts on
   * some way through the parts that completes the word (`exact`), and those it may start with (`starts`,
   * the word ending inside it). Every message of the template holding the word has a number column
   * whose value is one of them (`NumberValues`).
   */
  numberCandidates(parts: readonly Part[]): Map<number, { exact: Set<string>; starts: Set<string> }> {
    this.parts = parts;
    this.numbers = true;
    this.memo.clear();
    const collected = new Map<number, { exact: Set<string>; starts: Set<string> }>();
    this.collected = collected;
    try {
      this.fromStarts();
    } finally {
      this.collected = null;
    }
    return collected;
  }

  /** Whether a found way ends the walk (not while collecting every way). */
  private get stopAtFirst(): boolean {
    return this.collected === null;
  }

  /** The word from every place a word may start. */
  private fromStarts(): boolean {
    const parts = this.parts;
    const word = this.word;
    let any = false;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part.kind === "text") {
        for (const at of part.starts)
          if (this.against(part.text, at, i, 0)) {
            if (this.stopAtFirst) return true;
            any = true;
          }
      } else if (part.kind === "number") {
        if (this.numberFrom(part.stats, i, 0)) {
          if (this.stopAtFirst) return true;
          any = true;
        }
      } else {
        // Inside one value (a conservative substring test), or from a value's last word on into the next parts.
        if (part.values.contains(word)) {
          if (this.stopAtFirst) return true;
          any = true;
        }
        if (!this.mayGoOn(i + 1)) continue;
        for (let k = 1; k < word.length; k++) {
          if (part.values.hasLastRun(word.slice(0, k)) && this.go(i + 1, k)) {
            if (this.stopAtFirst) return true;
            any = true;
          }
        }
      }
    }
    return any;
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
    if (!this.numbers) return false;
    const digits = this.digitEnd[j]! - j;
    if (digits === 0) return false;
    const kept = this.collected;
    let texts: { exact: Set<string>; starts: Set<string> } | undefined;
    if (kept) {
      texts = kept.get(i);
      if (!texts) {
        texts = { exact: new Set(), starts: new Set() };
        kept.set(i, texts);
      }
    }
    let any = false;
    // The word ends inside the number: only a prefix may (a whole word would go on with its digits).
    if (this.prefix && j + digits === this.word.length && digits <= stats.maxDigits) {
      if (!texts) return true;
      texts.starts.add(this.word.slice(j));
      any = true;
    }
    for (let k = stats.minDigits; k <= Math.min(stats.maxDigits, digits); k++) {
      const x = Number(this.word.slice(j, j + k));
      if (x >= stats.minAbs && x <= stats.maxAbs && this.go(i + 1, j + k)) {
        if (!texts) return true;
        texts.exact.add(this.word.slice(j, j + k));
        any = true;
      }
    }
    return any;
  }

  /** Continuing the word at j into a dictionary value. */
  private valuesFrom(v: ValueSet, i: number, j: number): boolean {
    const word = this.word;
    // The word ends inside a value that starts with its rest (whether the value's word ends there too is
    // not checked: conservative).
    let any = false;
    if (v.startsWith(word.slice(j))) {
      if (this.stopAtFirst) return true;
      any = true;
    }
    // The word runs through a value made of word characters, on into the next parts.
    for (let k = j + 1; k < word.length; k++) {
      if (v.hasWordValue(word.slice(j, k)) && this.go(i + 1, k)) {
        if (this.stopAtFirst) return true;
        any = true;
      }
    }
    return (v.hasEmpty && this.go(i + 1, j)) || any;
  }

  /**
   * Whether a word could go on into part `i` (empty texts skipped): a value or a number, or a text that
   * starts with a word character. When not, no word that reaches the part before's end goes further.
   */
  private mayGoOn(i: number): boolean {
    for (; i < this.parts.length; i++) {
      const part = this.parts[i]!;
      if (part.kind !== "text") return true;
      if (part.text !== "") return wordAt(part.text, 0);
    }
    return false;
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
