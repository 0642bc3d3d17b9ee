import type { ByteReader } from "./byte-reader.js";
import { type ByteWriter, varintSize } from "./byte-writer.js";
import { readStrings, writeStrings } from "./dictionary-column.js";

/**
 * The values of one wildcard of one template across a segment. Two encodings:
 *
 * - numbers: every value is a decimal integer of at most 15 digits (`-` only before a non-zero digit, so
 *   the sign survives), stored as zigzag varints, as deltas from the previous value when that is smaller
 *   (counters, block numbers), with leading zeros counted separately so `007` stays `007`; the index keeps
 *   only their digit-count and magnitude ranges.
 * - a dictionary: the distinct values (kept in the index block, where search reads them) and one id per
 *   value. A value seen for the first time is written as 0, so a column of fresh values costs almost nothing
 *   beyond the dictionary itself.
 *
 * Columns with few distinct numbers stay dictionaries: their values then prefilter searches exactly.
 */
export interface NumberSlotStats {
  kind: "number";
  /** Digit counts (leading zeros included, sign not). */
  minDigits: number;
  maxDigits: number;
  /** Magnitudes (absolute values). */
  minAbs: number;
  maxAbs: number;
}

export interface DictionarySlotStats {
  kind: "dictionary";
  values: string[];
}

export type SlotStats = NumberSlotStats | DictionarySlotStats;

/** A slot's kind as the index block stores it first (`lean-index.ts` peeks at it). */
export const KIND_DICTIONARY = 0;
const KIND_NUMBER = 1;
/** Below this many distinct values, a number column stays a dictionary (exact for search, small anyway). */
const MIN_DISTINCT_FOR_NUMBERS = 32;

/** A slot column ready to write: its index part and its column part. */
export interface EncodedSlot {
  stats: SlotStats;
  writeColumn(out: ByteWriter): void;
}

export function encodeSlot(values: readonly string[]): EncodedSlot {
  // One map look-up per value: the id found here is the one the column writes.
  const distinct = new Map<string, number>();
  const ids = new Uint32Array(values.length);
  let numeric = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let id = distinct.get(v);
    if (id === undefined) {
      id = distinct.size;
      distinct.set(v, id);
      if (numeric && !isNumberText(v)) numeric = false;
    }
    ids[i] = id;
  }
  if (numeric && distinct.size >= MIN_DISTINCT_FOR_NUMBERS && distinct.size * 4 > values.length) {
    return encodeNumbers(values);
  }
  return encodeDictionary(ids, distinct);
}

/** Whether `v` is a number column's value: 1 to 15 decimal digits, `-` only before a non-zero digit. */
export function isNumberText(v: string): boolean {
  const negative = v.charCodeAt(0) === 45;
  const from = negative ? 1 : 0;
  const digits = v.length - from;
  if (digits < 1 || digits > 15) return false;
  if (negative && v.charCodeAt(1) === 48) return false;
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function encodeDictionary(rowIds: Uint32Array, ids: Map<string, number>): EncodedSlot {
  return {
    stats: { kind: "dictionary", values: [...ids.keys()] },
    writeColumn(out) {
      let next = 0;
      for (let i = 0; i < rowIds.length; i++) {
        const id = rowIds[i]!;
        if (id === next) {
          out.uint(0);
          next++;
        } else out.uint(id + 1);
      }
    },
  };
}

function encodeNumbers(values: readonly string[]): EncodedSlot {
  const n = values.length;
  const nums = new Float64Array(n);
  const pads = new Uint8Array(n);
  let anyPad = false;
  let minDigits = Infinity;
  let maxDigits = 0;
  let minAbs = Infinity;
  let maxAbs = 0;
  let plainBytes = 0;
  let deltaBytes = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    // The digits read by hand (every value passed `isNumberText`: at most 15, exact in a double):
    // the magnitude, and the leading zeros beyond what `String(abs)` writes (one for zero itself).
    const negative = v.charCodeAt(0) === 45;
    let abs = 0;
    let zeros = 0;
    for (let k = negative ? 1 : 0; k < v.length; k++) {
      const d = v.charCodeAt(k) - 48;
      if (abs === 0 && d === 0) zeros++;
      abs = abs * 10 + d;
    }
    const x = negative ? -abs : abs;
    nums[i] = x;
    const digits = negative ? v.length - 1 : v.length;
    pads[i] = abs === 0 ? zeros - 1 : zeros;
    if (pads[i]) anyPad = true;
    if (digits < minDigits) minDigits = digits;
    if (digits > maxDigits) maxDigits = digits;
    if (abs < minAbs) minAbs = abs;
    if (abs > maxAbs) maxAbs = abs;
    plainBytes += varintSize(zigzag(x));
    deltaBytes += varintSize(zigzag(i === 0 ? x : x - nums[i - 1]!));
  }
  const delta = deltaBytes < plainBytes;
  return {
    stats: { kind: "number", minDigits, maxDigits, minAbs, maxAbs },
    writeColumn(out) {
      out.byte((delta ? 1 : 0) | (anyPad ? 2 : 0));
      if (anyPad) for (let i = 0; i < n; i++) out.uint(pads[i]!);
      let prev = 0;
      for (let i = 0; i < n; i++) {
        out.int(delta ? nums[i]! - prev : nums[i]!);
        prev = nums[i]!;
      }
    },
  };
}

function zigzag(x: number): number {
  return x >= 0 ? x * 2 : -x * 2 - 1;
}

export function writeSlotStats(out: ByteWriter, stats: SlotStats): void {
  if (stats.kind === "dictionary") {
    out.uint(KIND_DICTIONARY);
    writeStrings(out, stats.values);
  } else {
    out.uint(KIND_NUMBER);
    out.uint(stats.minDigits);
    out.uint(stats.maxDigits);
    out.uint(stats.minAbs);
    out.uint(stats.maxAbs);
  }
}

export function readSlotStats(input: ByteReader): SlotStats {
  const kind = input.uint();
  if (kind === KIND_DICTIONARY) return { kind: "dictionary", values: readStrings(input) };
  if (kind !== KIND_NUMBER) throw new Error(`unknown slot kind ${kind}`);
  return {
    kind: "number",
    minDigits: input.uint(),
    maxDigits: input.uint(),
    minAbs: input.uint(),
    maxAbs: input.uint(),
  };
}

/**
 * A slot column as stored, its values not yet turned into strings: a number column's integers and
 * leading-zero counts, or a dictionary column's value ids. A search tests numbers on these directly and
 * builds the strings of only the rows it shows (`slotValue`).
 */
export type SlotCodes =
  | { kind: "number"; nums: Float64Array; pads: Uint8Array | null }
  | { kind: "dictionary"; ids: Uint32Array };

/** Reads the codes of a slot column of `count` values of the given kind (its stats need not be parsed). */
export function readSlotCodes(input: ByteReader, kind: SlotStats["kind"], count: number): SlotCodes {
  if (kind === "dictionary") {
    const ids = new Uint32Array(count);
    let next = 0;
    for (let i = 0; i < count; i++) {
      const code = input.uint();
      ids[i] = code === 0 ? next++ : code - 1;
    }
    return { kind, ids };
  }
  const flags = input.byte();
  const delta = (flags & 1) !== 0;
  let pads: Uint8Array | null = null;
  if (flags & 2) {
    pads = new Uint8Array(count);
    for (let i = 0; i < count; i++) pads[i] = input.uint();
  }
  const nums = new Float64Array(count);
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const x = delta ? prev + input.int() : input.int();
    prev = x;
    nums[i] = x;
  }
  return { kind, nums, pads };
}

/** Value `r` of a slot column from its codes (`stats` gives a dictionary's values). */
export function slotValue(codes: SlotCodes, stats: SlotStats, r: number): string {
  if (codes.kind === "number") return numberText(codes.nums[r]!, codes.pads ? codes.pads[r]! : 0);
  if (stats.kind !== "dictionary") throw new Error("slot kind disagrees with its column");
  const v = stats.values[codes.ids[r]!];
  if (v === undefined) throw new RangeError("slot dictionary id out of range");
  return v;
}

/** The text of a number column's value: the integer with `pad` leading zeros after its sign. */
export function numberText(x: number, pad: number): string {
  if (pad === 0) return String(x);
  return x < 0 ? `-${"0".repeat(pad)}${-x}` : "0".repeat(pad) + String(x);
}

/** Reads a slot column of `count` values written by `encodeSlot(...).writeColumn`. */
export function readSlotColumn(input: ByteReader, stats: SlotStats, count: number): string[] {
  const codes = readSlotCodes(input, stats.kind, count);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = slotValue(codes, stats, i);
  return out;
}
