import type { JsonObject } from "./json.js";
import { type Severity, severityRank } from "./severity.js";

/** An anomaly as every sink sends it (JSON); `anomaly_score` and `severity` follow contract §3.3. */
export interface SinkAnomaly {
  id: number;
  timestamp: string;
  detector: string;
  anomaly_type: string;
  service: string | null;
  key: string;
  severity: Severity;
  anomaly_score: number;
  description: string;
  reasons: string[];
  features: JsonObject;
  evidence: number[];
  count: number;
  first_seen: string;
  last_seen: string;
  source: "logwarden";
}

/** One pending delivery handed to a sink. */
export interface DeliveryItem {
  deliveryId: number;
  /** 1 for the first try. */
  attempt: number;
  anomaly: SinkAnomaly;
}

/** What became of one item: delivered, or failed with whether trying again can help. */
export type DeliveryOutcome = { ok: true } | { ok: false; error: string; retryable: boolean };

/** Which anomalies a sink wants. */
export interface SinkRoute {
  minSeverity: Severity;
  /** Detector names; unset or empty: all. */
  detectors?: readonly string[] | undefined;
  /** Services; unset or empty: all. */
  services?: readonly string[] | undefined;
}

export function routeMatches(
  route: SinkRoute,
  a: Pick<SinkAnomaly, "severity" | "detector" | "service">,
): boolean {
  if (severityRank(a.severity) < severityRank(route.minSeverity)) return false;
  if (route.detectors?.length && !route.detectors.includes(a.detector)) return false;
  if (route.services?.length && !route.services.includes(a.service ?? "")) return false;
  return true;
}

/**
 * A notification sink (webhook, Slack, Splunk HEC, Elasticsearch, Kafka, RabbitMQ). `deliver` gets up to
 * `batchSize` items and returns one outcome per item, in order; it should not throw (a throw counts as a
 * retryable failure of every item). Retries, backoff and bookkeeping are the dispatcher's.
 */
export interface Sink {
  readonly name: string;
  readonly type: string;
  readonly route: SinkRoute;
  readonly maxAttempts: number;
  readonly batchSize: number;
  deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome[]>;
  close(): Promise<void>;
}
