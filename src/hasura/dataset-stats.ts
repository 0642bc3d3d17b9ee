import type { JsonObject } from "../core/json.js";
import { isoLocalSeconds } from "../core/time.js";
import { parseDateTime } from "./time.js";

/** `new_data_stats` of contract §4.8.1: per-field statistics of a dataset's unwrapped records. */
export interface DatasetStats {
  record_count: number;
  fields: Record<string, FieldStats>;
  correlations: Record<string, Record<string, number | null>>;
  enum_correlations: Record<string, never>;
}

export interface NumericStats {
  mean: number;
  std: number;
  min: number;
  max: number;
  median: number;
  q1: number;
  q3: number;
  unique_values: number;
}

export interface NumericField {
  type: "numeric";
  numeric_stats: NumericStats;
  distribution: { histogram: number[]; bin_edges: number[] };
}

export interface CategoricalField {
  type: "categorical";
  stats: {
    unique_count: number;
    uniqueness_ratio: number;
    avg_length: number;
    value_distribution: Record<string, number>;
  };
}

export interface DateField {
  type: "date";
  stats: { min_date: string | null; max_date: string | null; unique_dates: number };
  numeric_stats: NumericStats | null;
  components: Record<string, unknown>;
}

export type FieldStats = NumericField | CategoricalField | DateField | { type: string; error: string };

const ALWAYS_CATEGORICAL = new Set(["country", "city", "address", "state", "province"]);
const NUMERIC_STRING = /^-?\d+(\.\d+)?$/;

/** Linear-interpolation quantile of sorted values (numpy's default). */
function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function numericStats(values: readonly number[]): NumericStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return {
    mean,
    std,
    min: sorted[0]!,
    max: sorted.at(-1)!,
    median: quantileSorted(sorted, 0.5),
    q1: quantileSorted(sorted, 0.25),
    q3: quantileSorted(sorted, 0.75),
    unique_values: new Set(values).size,
  };
}

/** numpy's `histogram(bins="auto")`: the narrower of the Sturges and Freedman-Diaconis widths. */
export function histogram(values: readonly number[]): { histogram: number[]; bin_edges: number[] } {
  if (values.length === 0) return { histogram: [], bin_edges: [] };
  const sorted = [...values].sort((a, b) => a - b);
  let lo = sorted[0]!;
  let hi = sorted.at(-1)!;
  let bins = 1;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  } else {
    const n = sorted.length;
    const range = hi - lo;
    const sturges = range / (Math.log2(n) + 1);
    const iqr = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
    const fd = (2 * iqr) / Math.cbrt(n);
    const width = fd > 0 ? Math.min(sturges, fd) : sturges;
    bins = Math.max(1, Math.ceil(range / width));
  }
  const step = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * step);
  const counts = new Array<number>(bins).fill(0);
  for (const v of sorted) counts[Math.min(bins - 1, Math.floor((v - lo) / step))]! += 1;
  return { histogram: counts, bin_edges: edges };
}

function numericField(values: readonly number[]): NumericField {
  return { type: "numeric", numeric_stats: numericStats(values)!, distribution: histogram(values) };
}

function countBy<T extends string | number>(values: readonly T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

function mostCommon(m: Map<number, number>, k: number): [number, number][] {
  return [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);
}

function dateField(values: readonly unknown[]): DateField {
  const times = values
    .map((v) => (typeof v === "string" ? parseDateTime(v) : null))
    .filter((t): t is number => t !== null);
  const dates = times.map((t) => new Date(t));
  const seconds = times.map((t) => t / 1000);
  const weekdays = countBy(dates.map((d) => (d.getUTCDay() + 6) % 7));
  const hours = countBy(dates.map((d) => d.getUTCHours()));
  const months = countBy(dates.map((d) => d.getUTCMonth() + 1));
  const weekend = (weekdays.get(5) ?? 0) + (weekdays.get(6) ?? 0);
  const business = [...hours].filter(([h]) => h >= 9 && h <= 17).reduce((a, [, n]) => a + n, 0);
  return {
    type: "date",
    stats: {
      min_date: times.length ? isoLocalSeconds(Math.min(...times)) : null,
      max_date: times.length ? isoLocalSeconds(Math.max(...times)) : null,
      unique_dates: new Set(times).size,
    },
    numeric_stats: numericStats(seconds),
    components: {
      years: times.length ? numericField(dates.map((d) => d.getUTCFullYear())) : null,
      months: { distribution: Object.fromEntries(months), most_common: mostCommon(months, 3) },
      days: {
        distribution: Object.fromEntries(countBy(dates.map((d) => d.getUTCDate()))),
        patterns: { weekday_weekend: { weekday: dates.length - weekend, weekend } },
      },
      hours: {
        distribution: Object.fromEntries(hours),
        patterns: { business_hours: business, off_hours: dates.length - business },
      },
      weekdays: { distribution: Object.fromEntries(weekdays), most_common: mostCommon(weekdays, 3) },
    },
  };
}

function asText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function categoricalField(values: readonly unknown[]): CategoricalField {
  const texts = values.map(asText);
  const distribution = countBy(texts);
  return {
    type: "categorical",
    stats: {
      unique_count: distribution.size,
      uniqueness_ratio: texts.length ? distribution.size / texts.length : 0,
      avg_length: texts.length ? texts.reduce((a, t) => a + t.length, 0) / texts.length : 0,
      value_distribution: Object.fromEntries(distribution),
    },
  };
}

/** Classifies a field by its non-null values; the first matching rule of §4.8.1 wins. */
function fieldStats(name: string, values: readonly unknown[]): { stats: FieldStats; directNumeric: boolean } {
  if (ALWAYS_CATEGORICAL.has(name.toLowerCase()))
    return { stats: categoricalField(values), directNumeric: false };
  if (values.some((v) => typeof v === "number" || typeof v === "boolean")) {
    const nums = values.flatMap((v) =>
      typeof v === "number" ? [v] : typeof v === "boolean" ? [v ? 1 : 0] : [],
    );
    return { stats: numericField(nums), directNumeric: true };
  }
  if (values.length > 0 && values.every((v) => typeof v === "string" && NUMERIC_STRING.test(v.trim()))) {
    return { stats: numericField(values.map((v) => Number((v as string).trim()))), directNumeric: false };
  }
  const head = values.slice(0, 10);
  const parsed = head.filter((v) => typeof v === "string" && parseDateTime(v) !== null).length;
  if (head.length > 0 && parsed >= 0.8 * head.length)
    return { stats: dateField(values), directNumeric: false };
  return { stats: categoricalField(values), directNumeric: false };
}

function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.round((sxy / Math.sqrt(sxx * syy)) * 1000) / 1000;
}

const numberOf = (v: unknown): number | null =>
  typeof v === "number" ? v : typeof v === "boolean" ? (v ? 1 : 0) : null;

export function datasetStats(records: readonly JsonObject[]): DatasetStats {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  }
  const fields: Record<string, FieldStats> = {};
  const direct: string[] = [];
  for (const name of names) {
    const values = records.map((r) => r[name]).filter((v) => v !== null && v !== undefined);
    try {
      const { stats, directNumeric } = fieldStats(name, values);
      fields[name] = stats;
      if (directNumeric) direct.push(name);
    } catch (error) {
      fields[name] = { type: "unknown", error: (error as Error).message };
    }
  }
  const correlations: Record<string, Record<string, number | null>> = {};
  if (direct.length >= 2) {
    for (const a of direct) {
      correlations[a] = {};
      for (const b of direct) {
        const xs: number[] = [];
        const ys: number[] = [];
        for (const r of records) {
          const x = numberOf(r[a]);
          const y = numberOf(r[b]);
          if (x !== null && y !== null) {
            xs.push(x);
            ys.push(y);
          }
        }
        correlations[a]![b] = pearson(xs, ys);
      }
    }
  }
  return { record_count: records.length, fields, correlations, enum_correlations: {} };
}
