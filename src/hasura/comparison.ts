import type { CategoricalField, DatasetStats, DateField, FieldStats, NumericField } from "./dataset-stats.js";

/** `historical_comparison` and `significant_changes` of contract §4.8.5 (informational structures). */
export interface HistoricalComparison {
  field_changes: Record<string, FieldChange>;
  new_fields: string[];
  missing_fields: string[];
  distribution_changes: Record<string, { new_values?: string[]; value_shifts?: Record<string, number> }>;
  correlation_changes: Record<string, CorrelationChange>;
}

interface FieldChange {
  type_changed: boolean;
  value_range_changed: boolean;
  cardinality_changed: boolean;
  null_ratio_changed: boolean;
  distribution_changed: boolean;
  changes: string[];
}

interface CorrelationChange {
  fields: [string, string];
  old_value: number;
  new_value: number;
  change: number;
  interpretation: "strengthened" | "weakened";
}

export type SignificantChange = Record<string, unknown> & { type: string; severity: "medium" | "high" };

const isCategorical = (f: FieldStats | undefined): f is CategoricalField =>
  f?.type === "categorical" && "stats" in f;
const isNumeric = (f: FieldStats | undefined): f is NumericField =>
  f?.type === "numeric" && "distribution" in f;
const isDate = (f: FieldStats | undefined): f is DateField => f?.type === "date" && "components" in f;

function shares(dist: Record<string, number>): Map<string, number> {
  const total = Object.values(dist).reduce((a, b) => a + b, 0) || 1;
  return new Map(Object.entries(dist).map(([k, v]) => [k, v / total]));
}

function weekendRatio(f: DateField): number {
  const p = (f.components.days as { patterns: { weekday_weekend: { weekday: number; weekend: number } } })
    .patterns.weekday_weekend;
  return p.weekday === 0 ? 0 : p.weekend / p.weekday;
}

function topValues(dist: Record<string, number>, k: number): string[] {
  return Object.entries(dist)
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([v]) => v);
}

export function compareStats(
  current: DatasetStats,
  historical: DatasetStats,
): { comparison: HistoricalComparison; significant: SignificantChange[] } {
  const comparison: HistoricalComparison = {
    field_changes: {},
    new_fields: Object.keys(current.fields).filter((f) => !(f in historical.fields)),
    missing_fields: Object.keys(historical.fields).filter((f) => !(f in current.fields)),
    distribution_changes: {},
    correlation_changes: {},
  };
  const significant: SignificantChange[] = [];

  for (const [field, now] of Object.entries(current.fields)) {
    const before = historical.fields[field];
    if (!before) continue;
    const change: FieldChange = {
      type_changed: now.type !== before.type,
      value_range_changed: false,
      cardinality_changed: false,
      null_ratio_changed: false,
      distribution_changed: false,
      changes: [],
    };
    if (change.type_changed) change.changes.push(`type changed from ${before.type} to ${now.type}`);
    if (isCategorical(now) && isCategorical(before)) {
      const a = before.stats.unique_count;
      const b = now.stats.unique_count;
      if (a > 0 && Math.abs(b - a) / a > 0.2) {
        change.cardinality_changed = true;
        change.changes.push(`distinct values changed from ${a} to ${b}`);
      }
      const oldShares = shares(before.stats.value_distribution);
      const newShares = shares(now.stats.value_distribution);
      const newValues = [...newShares.keys()].filter((v) => !oldShares.has(v));
      const shifts: Record<string, number> = {};
      let shared = 0;
      let shiftSum = 0;
      let totalShift = 0;
      for (const v of new Set([...oldShares.keys(), ...newShares.keys()])) {
        const d = (newShares.get(v) ?? 0) - (oldShares.get(v) ?? 0);
        totalShift += Math.abs(d);
        if (oldShares.has(v) && newShares.has(v)) {
          shared += 1;
          shiftSum += Math.abs(d);
        }
        if (Math.abs(d) > 0.2) shifts[v] = Math.round(d * 1000) / 1000;
      }
      if (newValues.length > 0 || Object.keys(shifts).length > 0) {
        change.distribution_changed = true;
        comparison.distribution_changes[field] = {
          ...(newValues.length ? { new_values: newValues.slice(0, 50) } : {}),
          ...(Object.keys(shifts).length ? { value_shifts: shifts } : {}),
        };
      }
      const ratio = Math.max(a, b) / Math.max(1, Math.min(a, b));
      if (ratio > 1.3) {
        significant.push({
          field,
          type: "categorical_cardinality",
          severity: ratio > 1.5 ? "high" : "medium",
          ratio,
        });
      }
      const meanShift = shared ? shiftSum / shared : 0;
      if (meanShift > 0.1) {
        significant.push({
          field,
          type: "categorical_distribution",
          severity: meanShift > 0.2 ? "high" : "medium",
          mean_shift: meanShift,
        });
      }
      if (totalShift / 2 > 0.4) {
        significant.push({
          field,
          type: "distribution_shift",
          severity: totalShift / 2 > 0.6 ? "high" : "medium",
          shift: totalShift / 2,
        });
      }
      const oldTop = topValues(before.stats.value_distribution, 3);
      const newTop = new Set(topValues(now.stats.value_distribution, 3));
      if (oldTop.length >= 2 && oldTop.filter((v) => !newTop.has(v)).length >= 2) {
        significant.push({ field, type: "categorical_dominant", severity: "medium", previous_top: oldTop });
      }
    }
    if (isNumeric(now) && isNumeric(before)) {
      const a = before.distribution.histogram.length;
      const b = now.distribution.histogram.length;
      if (a !== b) {
        change.distribution_changed = true;
        change.changes.push(`histogram bins changed from ${a} to ${b}`);
        significant.push({
          field,
          type: "distribution_bin_count",
          severity: "medium",
          old_bins: a,
          new_bins: b,
        });
      }
    }
    if (isDate(now) && isDate(before)) {
      const d = Math.abs(weekendRatio(now) - weekendRatio(before));
      if (d > 0.3)
        significant.push({
          field,
          type: "date_weekday_pattern",
          severity: d > 0.5 ? "high" : "medium",
          change: d,
        });
    }
    comparison.field_changes[field] = change;
  }

  for (const [a, row] of Object.entries(current.correlations)) {
    for (const [b, r] of Object.entries(row)) {
      if (a >= b || r === null) continue;
      const old = historical.correlations[a]?.[b];
      if (old === null || old === undefined) continue;
      const change = Math.abs(r - old);
      if (change > 0.3) {
        comparison.correlation_changes[`${a},${b}`] = {
          fields: [a, b],
          old_value: old,
          new_value: r,
          change,
          interpretation: Math.abs(r) > Math.abs(old) ? "strengthened" : "weakened",
        };
        significant.push({
          field_pair: [a, b],
          type: "correlation",
          severity: change > 0.5 ? "high" : "medium",
          change,
        });
      }
    }
  }
  return { comparison, significant };
}
