import type { SinkAnomaly } from "../core/sink.js";
import type { StoredAnomaly } from "../store/repos/anomalies.js";

/** The stored anomaly as sinks send it. */
export function toSinkAnomaly(a: StoredAnomaly): SinkAnomaly {
  const description = a.description ?? a.explanation?.summary ?? a.type;
  return {
    id: a.id,
    timestamp: a.timestamp,
    detector: a.detector,
    anomaly_type: a.type,
    service: a.service,
    key: a.key,
    severity: a.severity,
    anomaly_score: a.score,
    description,
    reasons: [a.explanation?.summary ?? description],
    features: a.features,
    evidence: a.evidence,
    count: a.count,
    first_seen: a.createdAt,
    last_seen: a.lastSeen,
    source: "logwarden",
  };
}
