import type { JsonObject } from "../core/json.js";
import type { LogRecord } from "../core/log-record.js";
import { ERROR_SEVERITY_NUMBER } from "../core/severity.js";

/** What system 004's scorer sees for one service group (contracts §5.4). */
export interface GroupFeatures extends JsonObject {
  count: number;
  error_count: number;
  warn_count: number;
  fatal_count: number;
  error_ratio: number;
  span_secs: number;
  distinct_messages: number;
  /** Strongest anomaly score the online detectors gave this group's records (0 when none). */
  detector_score: number;
}

export function groupFeatures(records: readonly LogRecord[], detectorScore = 0): GroupFeatures {
  let errors = 0;
  let warns = 0;
  let fatals = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const messages = new Set<string>();
  for (const r of records) {
    if (r.severityNumber >= 21) fatals++;
    else if (r.severityNumber >= ERROR_SEVERITY_NUMBER) errors++;
    else if (r.severityNumber >= 13) warns++;
    const t = Date.parse(r.timestamp);
    if (t < min) min = t;
    if (t > max) max = t;
    messages.add(r.body);
  }
  const count = records.length;
  return {
    count,
    error_count: errors,
    warn_count: warns,
    fatal_count: fatals,
    error_ratio: count ? (errors + fatals) / count : 0,
    span_secs: count > 1 ? Math.round((max - min) / 1000) : 0,
    distinct_messages: messages.size,
    detector_score: detectorScore,
  };
}

/**
 * The in-process score of a group, in [0, 1]: the stronger of what the online detectors said and an
 * error-pressure term. Each error-level record adds one unit of pressure (fatal two, warning a quarter),
 * and pressure p scores 1 − e^(−p): one error 0.63, two 0.86, three 0.95. With the default THRESHOLD
 * of 0.8, two errors from one service in one request make an incident, one does not.
 */
export function onlineScore(features: GroupFeatures): number {
  const pressure = features.error_count + 2 * features.fatal_count + 0.25 * features.warn_count;
  const errorScore = 1 - Math.exp(-pressure);
  return round(Math.max(errorScore, features.detector_score));
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Incident severity from a score (contracts §5.2). */
export function incidentSeverity(score: number): "critical" | "high" | "medium" {
  if (score >= 0.95) return "critical";
  if (score >= 0.9) return "high";
  return "medium";
}

/** A one-line explanation, e.g. "2 ERROR logs from auth in 20 s: authentication failures". */
export function incidentSummary(
  service: string,
  records: readonly LogRecord[],
  features: GroupFeatures,
): string {
  const bad = records.filter((r) => r.severityNumber >= 13);
  const level = bad.length > 0 ? (bad[0]!.severityText ?? "ERROR").toUpperCase() : "";
  const counted = bad.length > 0 ? `${bad.length} ${level} logs` : `${features.count} logs`;
  const messages = [...new Set((bad.length > 0 ? bad : records).map((r) => r.body))].slice(0, 3).join("; ");
  return `${counted} from ${service} in ${features.span_secs} s: ${messages}`;
}
