import type { JsonObject } from "../core/json.js";
import { stringHash } from "./hash.js";
import { parseDateTime } from "./time.js";

/**
 * Contract §4.7.1: wherever a record is read, an object with a `data` property stands for that
 * property's value (how stored history entries and incoming records read the same way). Returns null
 * when the result is not an object; such a record is skipped, neither an error nor scored.
 */
export function unwrapRecord(value: unknown): JsonObject | null {
  const inner = isObject(value) && "data" in value ? value.data : value;
  return isObject(inner) ? (inner as JsonObject) : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Ascending by Unicode code point, as Python's `sorted` orders keys (UTF-16 order differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const DATE_KEY = /date|time/i;
const NUMERIC_LOOKING = /^\d+$/;

/** One feature per key, in the binding order of contract §4.7.2 (first matching row wins). */
export function featureOf(key: string, value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number") return Number.isFinite(value) ? value : 0;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    if (DATE_KEY.test(key)) {
      const t = parseDateTime(value);
      return t === null ? stringHash(value) : t / 1000;
    }
    if (NUMERIC_LOOKING.test(value.replace(/[.-]/g, ""))) {
      // "555-1234" or "1.2.3" look numeric but are not numbers: hash them ([Decision]; the original
      // dropped the whole record's features).
      const n = Number(value);
      return Number.isFinite(n) ? n : stringHash(value);
    }
    return stringHash(value);
  }
  if (Array.isArray(value)) return value.length;
  if (typeof value === "object") return Object.keys(value).length;
  return 0;
}

/** The feature vector of an (unwrapped) record: its keys sorted by code point, one float each. */
export function extractFeatures(record: JsonObject): number[] {
  return Object.keys(record)
    .sort(compareCodePoints)
    .map((key) => featureOf(key, record[key]));
}
