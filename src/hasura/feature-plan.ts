import type { JsonObject } from "../core/json.js";
import { compareCodePoints } from "./features.js";
import { parseDateTime } from "./time.js";

/**
 * What the model is trained on, learned from a query's history. The contract's feature vector (§4.7.2)
 * is still what responses show, but judging rows on it flags the rows of any live table: ids and
 * timestamps only ever grow, so every new row lies outside the history on them, and a hashed string is a
 * number that means nothing. So each key gets a role from what its history holds:
 * - `timestamp` (a date/time string, or a number under a time-like key) and `identifier` (a key named
 *   like an id, a string that is nearly always new, or whole numbers that are nearly all distinct and
 *   dense, as sequences are) are left out: they say which row it is, not whether it is unusual;
 * - `category` (strings with few distinct values): the rarity of the value in the history, so a value
 *   never seen stands out and a common one does not;
 * - `magnitude` (numbers, booleans, lengths of arrays and objects): on a signed log scale, so an amount
 *   ten times the usual is as far as a tenth of it.
 */
export type FeatureRole = "magnitude" | "category" | "timestamp" | "identifier";

export interface PlannedKey {
  key: string;
  role: FeatureRole;
}

export interface PlannedFeature extends PlannedKey {
  role: "magnitude" | "category";
  /** Magnitude: the history's median (on the log scale), used for a missing value and in explanations. */
  median?: number;
  /** Magnitude: the history's robust spread around the median (on the log scale). */
  scale?: number;
  /** Category: how often each value was seen (at most `MAX_CATEGORIES` values) out of `total`. */
  counts?: Record<string, number>;
  total?: number;
}

export interface FeaturePlan {
  /** The model's inputs, in order. */
  features: PlannedFeature[];
  /** Keys seen in the history and left out, with why. */
  dropped: PlannedKey[];
}

/** A key present in fewer records than this share is too sparse to judge on. */
const MIN_PRESENCE = 0.5;
/** More distinct strings than this (or than half the records) make a key an identifier, not a category. */
const MAX_CATEGORIES = 200;
const ID_KEY = /^(id|uuid|guid|key|hash|token)$|(_id|Id|ID|_uuid|Uuid|UUID|_key|_hash)$/;
const EPOCH_KEY = /(^|_)(ts|epoch|timestamp)$|(_at|At)$|timestamp/i;
const NUMERIC_STRING = /^-?\d+(\.\d+)?$/;

/** The history's records, unwrapped (keys of every record). */
export function planFeatures(records: readonly JsonObject[]): FeaturePlan {
  const keys = new Map<string, number>();
  for (const r of records) for (const k of Object.keys(r)) keys.set(k, (keys.get(k) ?? 0) + 1);
  const features: PlannedFeature[] = [];
  const dropped: PlannedKey[] = [];
  for (const key of [...keys.keys()].sort(compareCodePoints)) {
    if (keys.get(key)! < records.length * MIN_PRESENCE) continue;
    const values = records.map((r) => r[key]).filter((v) => v !== null && v !== undefined);
    const planned = planKey(key, values, records.length);
    if (planned.role === "magnitude" || planned.role === "category") features.push(planned as PlannedFeature);
    else dropped.push(planned);
  }
  return { features, dropped };
}

function planKey(key: string, values: readonly unknown[], n: number): PlannedKey | PlannedFeature {
  if (ID_KEY.test(key)) return { key, role: "identifier" };
  const strings = values.filter((v): v is string => typeof v === "string" && !NUMERIC_STRING.test(v.trim()));
  if (strings.length > values.length / 2) {
    if (strings.filter((s) => parseDateTime(s) !== null).length > strings.length / 2)
      return { key, role: "timestamp" };
    const counts: Record<string, number> = {};
    let distinct = 0;
    for (const s of strings) {
      if (counts[s] === undefined) {
        distinct++;
        counts[s] = 0;
      }
      counts[s]++;
    }
    if (distinct > MAX_CATEGORIES || distinct > Math.max(10, n / 2)) return { key, role: "identifier" };
    return { key, role: "category", counts, total: strings.length };
  }
  const numbers = values.map(magnitudeOf).filter((v): v is number => v !== null);
  if (EPOCH_KEY.test(key)) return { key, role: "timestamp" };
  if (looksLikeSequence(values)) return { key, role: "identifier" };
  const m = median(numbers);
  return { key, role: "magnitude", median: m, scale: robustScale(numbers, m) };
}

/**
 * Spread around the median that one odd value cannot inflate: 1.4826 × MAD (the standard deviation for
 * normal data), else 1.2533 × the mean absolute deviation when most values are equal, else a floor so a
 * value unlike a constant history stands out.
 */
function robustScale(values: readonly number[], m: number): number {
  const deviations = values.map((v) => Math.abs(v - m));
  const mad = median(deviations);
  if (mad > 0) return 1.4826 * mad;
  const mean = deviations.reduce((a, b) => a + b, 0) / Math.max(1, deviations.length);
  return mean > 0 ? 1.2533 * mean : 0.05;
}

/** Whole numbers, nearly all distinct, packed densely (ids, counters) rather than spread as amounts are. */
function looksLikeSequence(values: readonly unknown[]): boolean {
  const ints = values.filter((v): v is number => typeof v === "number" && Number.isInteger(v));
  if (ints.length < 20 || ints.length < values.length * 0.9) return false;
  const distinct = new Set(ints).size;
  if (distinct < ints.length * 0.9) return false;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of ints) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return (max - min) / Math.max(1, distinct - 1) <= 4;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Signed log: keeps order and sign, makes ratios distances. */
const signedLog = (x: number) => Math.sign(x) * Math.log1p(Math.abs(x));

/** The magnitude a value stands for (log scale), or null when it is not one. */
function magnitudeOf(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? signedLog(value) : null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    const t = value.trim();
    return NUMERIC_STRING.test(t) ? signedLog(Number(t)) : null;
  }
  if (Array.isArray(value)) return signedLog(value.length);
  if (typeof value === "object" && value !== null) return signedLog(Object.keys(value).length);
  return null;
}

/** Rarity of a category value: −ln of its smoothed share in the history (a value never seen is the rarest). */
function rarity(feature: PlannedFeature, value: unknown): number {
  const total = feature.total ?? 0;
  const seen = typeof value === "string" ? (feature.counts?.[value] ?? 0) : 0;
  return -Math.log((seen + 0.5) / (total + 1));
}

/** Surprise given to a category value the history never had, in the units of `surprises`. */
export const UNSEEN_CATEGORY_SURPRISE = 12;

/**
 * How unusual each planned feature of a record is against the history: robust deviations from the median
 * for a magnitude (beyond the history is still measured, where a forest sees only "at the edge"), and
 * for a category a fixed surprise when its value was never seen (0 otherwise; rare-but-seen values are
 * the forest's to weigh).
 */
export function surprises(plan: FeaturePlan, record: JsonObject): number[] {
  return plan.features.map((f) => {
    if (f.role === "category") {
      const value = record[f.key];
      const seen = typeof value === "string" ? (f.counts?.[value] ?? 0) : 1;
      return seen === 0 && (f.total ?? 0) >= 20 ? UNSEEN_CATEGORY_SURPRISE : 0;
    }
    const x = magnitudeOf(record[f.key]);
    return x === null ? 0 : Math.abs(x - (f.median ?? 0)) / (f.scale ?? 1);
  });
}

/** The model's input row for a record. */
export function applyPlan(plan: FeaturePlan, record: JsonObject): number[] {
  return plan.features.map((f) =>
    f.role === "category" ? rarity(f, record[f.key]) : (magnitudeOf(record[f.key]) ?? f.median ?? 0),
  );
}

/** How a record's value of a planned feature compares with the history, for an explanation. */
export function describeValue(
  feature: PlannedFeature,
  record: JsonObject,
): { value: unknown; typical: string } {
  const value = record[feature.key] ?? null;
  if (feature.role === "category") {
    const seen = typeof value === "string" ? (feature.counts?.[value] ?? 0) : 0;
    const share = feature.total ? seen / feature.total : 0;
    return {
      value,
      typical:
        seen === 0 ? "never seen in this query's history" : `${(share * 100).toFixed(1)} % of the history`,
    };
  }
  const m = feature.median ?? 0;
  const typical = Math.sign(m) * Math.expm1(Math.abs(m));
  const shown = Array.isArray(value) ? `${value.length} items` : value;
  return { value: shown, typical: `median ${round(typical)}` };
}

function round(x: number): string {
  return Math.abs(x) >= 100 ? String(Math.round(x)) : String(Math.round(x * 100) / 100);
}
