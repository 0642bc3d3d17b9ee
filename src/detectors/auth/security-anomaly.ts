import { type Anomaly, describe, type Explanation } from "../../core/anomaly.js";
import type { JsonObject } from "../../core/json.js";
import { hostOf, type ParsedRecord } from "../../core/log-record.js";
import { type Severity, severityFloor, severityFromScore } from "../../core/severity.js";

/**
 * Score for "count events where `threshold` make an alert": threshold → 0.6 (medium), twice → 0.8,
 * four times → 0.9 (high), eight times → 0.95 (critical). The same curve as `error_burst`, so scores of
 * different rules compare.
 */
export function thresholdScore(count: number, threshold: number): number {
  return Math.min(1, Math.max(0, 1 - (0.4 * threshold) / Math.max(count, threshold)));
}

export interface SecurityFinding {
  detector: string;
  record: ParsedRecord;
  key: string;
  score: number;
  /**
   * A rule whose every hit is serious: its score is raised to this severity's floor, so the severity
   * still follows from the score as for every other detector (one severity policy).
   */
  minSeverity?: Severity;
  features: JsonObject;
  explanation: Explanation;
  evidence: number[];
}

/** An anomaly from a security rule: type = detector name, description rendered from the explanation. */
export function securityAnomaly(f: SecurityFinding): Anomaly {
  const score = f.minSeverity ? Math.max(f.score, severityFloor(f.minSeverity)) : f.score;
  const host = hostOf(f.record);
  return {
    detector: f.detector,
    type: f.detector,
    timestamp: f.record.timestamp,
    service: f.record.stream,
    key: f.key,
    score: Math.round(score * 10_000) / 10_000,
    severity: severityFromScore(score),
    description: describe(f.explanation),
    features: host ? { ...f.features, host } : f.features,
    explanation: f.explanation,
    evidence: f.evidence,
  };
}
