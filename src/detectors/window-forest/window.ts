import type { ParsedRecord } from "../../core/log-record.js";
import { ERROR_SEVERITY_NUMBER } from "../../core/severity.js";

/**
 * What one service logged in one fixed interval, before it becomes a feature vector: counts per
 * template and, per template, the mean of each of its first numeric parameters (durations, bytes…).
 */
export interface WindowCounts {
  start: number;
  records: number;
  errors: number;
  templates: Record<string, number>;
  /** `templateId#paramIndex` → [sum, count] of the numeric values seen. */
  numbers: Record<string, [number, number]>;
}

/** Numeric parameters per template that become features; more are rarely informative and cost columns. */
const NUMERIC_PARAMS = 2;
const NUMBER = /^-?\d+(\.\d+)?$/;

export function emptyWindow(start: number): WindowCounts {
  return { start, records: 0, errors: 0, templates: {}, numbers: {} };
}

/** An independent copy (the undo log keeps one while a batch changes the open window). */
export function copyWindow(w: WindowCounts): WindowCounts {
  const numbers: Record<string, [number, number]> = {};
  for (const [key, [sum, count]] of Object.entries(w.numbers)) numbers[key] = [sum, count];
  return { ...w, templates: { ...w.templates }, numbers };
}

export function addRecord(w: WindowCounts, record: ParsedRecord, templateText: Map<string, string>): void {
  w.records++;
  if (record.severityNumber >= ERROR_SEVERITY_NUMBER) w.errors++;
  w.templates[record.templateId] = (w.templates[record.templateId] ?? 0) + 1;
  if (!templateText.has(record.templateId)) templateText.set(record.templateId, record.template);
  let taken = 0;
  for (let i = 0; i < record.params.length && taken < NUMERIC_PARAMS; i++) {
    const p = record.params[i]!;
    if (p.type !== "num" && !NUMBER.test(p.value)) continue;
    const value = Number(p.value);
    if (!Number.isFinite(value)) continue;
    taken++;
    const key = `${record.templateId}#${i}`;
    const acc = w.numbers[key];
    if (acc) {
      acc[0] += value;
      acc[1] += 1;
    } else w.numbers[key] = [value, 1];
  }
}
