/**
 * Scoring findings against per-line labels: which lines the product flagged (the evidence its findings
 * cite), scored by line and by window the way `../shared/bench/loghub2k_windows_eval.py` scores BGL-2k
 * (a window is anomalous when it holds an alert line, flagged when it holds a flagged line).
 */
import type { Anomaly } from "../../src/core/anomaly.js";
import { MAX_EVIDENCE } from "../../src/core/anomaly.js";
import { type Severity, severityRank } from "../../src/core/severity.js";

export interface Scores {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export function scores(tp: number, fp: number, fn: number): Scores {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}

/** Line-level scores: `flagged[i]` against `labels[i]`. */
export function lineScores(labels: readonly boolean[], flagged: readonly boolean[]): Scores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    if (flagged[i] && labels[i]) tp++;
    else if (flagged[i]) fp++;
    else if (labels[i]) fn++;
  }
  return scores(tp, fp, fn);
}

/** Window-level scores over groups of line indexes. */
export function windowScores(
  windows: readonly (readonly number[])[],
  labels: readonly boolean[],
  flagged: readonly boolean[],
): Scores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const w of windows) {
    const alert = w.some((i) => labels[i]);
    const flag = w.some((i) => flagged[i]);
    if (alert && flag) tp++;
    else if (flag) fp++;
    else if (alert) fn++;
  }
  return scores(tp, fp, fn);
}

/** Consecutive, non-overlapping windows of `size` lines (the evaluator's `count20`). */
export function countWindows(lines: number, size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < lines; i += size)
    out.push(Array.from({ length: Math.min(size, lines - i) }, (_, k) => i + k));
  return out;
}

/**
 * Tumbling time windows anchored at data (deep-loglizer's BGL grouping, the evaluator's `time6h` for
 * 21,600 s): a window takes every following line until one is more than `secs` after its first line.
 */
export function timeWindows(epochSecs: readonly number[], secs: number): number[][] {
  const out: number[][] = [];
  let start: number | null = null;
  for (let i = 0; i < epochSecs.length; i++) {
    const t = epochSecs[i]!;
    if (start === null || t - start > secs) {
      start = t;
      out.push([]);
    }
    out.at(-1)!.push(i);
  }
  return out;
}

/**
 * Findings as the store keeps them (src/store/repos/anomalies.ts, `storeAnomalies`): a repeat of one
 * detector, key and host within an hour of the open finding's span merges into it, which keeps the latest
 * MAX_EVIDENCE lines. `analyze` reports each emission; live ingest stores merged findings.
 */
export function mergedAsStored(anomalies: readonly Anomaly[]): Anomaly[] {
  const open = new Map<string, { a: Anomaly; firstMs: number; lastMs: number }>();
  const out: Anomaly[] = [];
  for (const a of anomalies) {
    const id = `${a.detector}\u0000${a.key}\u0000${typeof a.features.host === "string" ? a.features.host : ""}`;
    const at = Date.parse(a.timestamp);
    const o = open.get(id);
    if (o && o.lastMs >= at - 3_600_000 && o.firstMs <= at + 3_600_000) {
      const listed = new Set(o.a.evidence);
      o.a.evidence = [...o.a.evidence, ...a.evidence.filter((e) => !listed.has(e))].slice(-MAX_EVIDENCE);
      if (severityRank(a.severity) > severityRank(o.a.severity)) o.a.severity = a.severity;
      o.lastMs = Math.max(o.lastMs, at);
      o.firstMs = Math.min(o.firstMs, at);
      continue;
    }
    const copy = { ...a, evidence: a.evidence.slice(-MAX_EVIDENCE) };
    open.set(id, { a: copy, firstMs: at, lastMs: at });
    out.push(copy);
  }
  return out;
}

/** Lines (0-based) cited by findings at `minSeverity` or above; evidence ids are 1-based line numbers. */
export function flaggedLines(anomalies: readonly Anomaly[], lines: number, minSeverity: Severity): boolean[] {
  const flagged = new Array<boolean>(lines).fill(false);
  for (const a of anomalies) {
    if (severityRank(a.severity) < severityRank(minSeverity)) continue;
    for (const id of a.evidence) if (id >= 1 && id <= lines) flagged[id - 1] = true;
  }
  return flagged;
}
