import { type Anomaly, describe, type Explanation } from "../../core/anomaly.js";
import type { JsonObject } from "../../core/json.js";
import { hostOf, type ParsedRecord } from "../../core/log-record.js";
import { type Severity, severityFromScore } from "../../core/severity.js";

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
  /** Overrides the severity the score maps to (e.g. a rule whose every hit is serious). */
  minSeverity?: Severity;
  features: JsonObject;
  explanation: Explanation;
  evidence: number[];
}

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** An anomaly from a security rule: type = detector name, description rendered from the explanation. */
export function securityAnomaly(f: SecurityFinding): Anomaly {
  let severity = severityFromScore(f.score);
  if (f.minSeverity && RANK[f.minSeverity] > RANK[severity]) severity = f.minSeverity;
  const host = hostOf(f.record);
  return {
    detector: f.detector,
    type: f.detector,
    timestamp: f.record.timestamp,
    service: f.record.stream,
    key: f.key,
    score: Math.round(f.score * 10_000) / 10_000,
    severity,
    description: describe(f.explanation),
    features: host ? { ...f.features, host } : f.features,
    explanation: f.explanation,
    evidence: f.evidence,
  };
}
