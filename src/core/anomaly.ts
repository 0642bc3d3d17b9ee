import type { JsonObject, JsonValue } from "./json.js";
import type { RecordRef } from "./record-ref.js";
import type { Severity } from "./severity.js";

/**
 * Why an anomaly was raised, in structured form; the description text is rendered from it.
 * Every detector fills `observed` and `expected`; the rest when it has them.
 */
export interface Explanation {
  /** One-line summary, e.g. "7 ERROR records from auth in 60 s". */
  summary: string;
  observed: JsonObject;
  expected: JsonObject;
  /** Features or tokens that contributed, most important first. */
  contributions?: { name: string; value: JsonValue; weight: number }[];
  /** Up to a few sample lines, as text. */
  samples?: string[];
}

/** An anomaly as a detector emits it, before it is stored. */
export interface Anomaly {
  /** Detector name (`new_template`, `error_burst`, …); stored as `agent_name` for system 000. */
  detector: string;
  /** Kind of anomaly (`new_template`, `error_burst`, `wifi_anomaly`, …); `anomaly_type` in system 000. */
  type: string;
  /** When the anomaly happened (ISO UTC). */
  timestamp: string;
  service: string | null;
  /** The detector's key (service, host, user, device, session…); repeats on one key are merged. */
  key: string;
  /** 0–1. */
  score: number;
  severity: Severity;
  description: string;
  features: JsonObject;
  explanation: Explanation;
  /** The records that show it: store references (`RecordRef`), or line numbers in `analyze`. */
  evidence: RecordRef[];
  templateId?: string | null;
  deviceId?: number | null;
}

/** Evidence an anomaly carries at most: the store keeps the latest this many, MCP shows them. */
export const MAX_EVIDENCE = 50;
/** Records a detector collects as evidence for one open window, interval or burst. */
export const WINDOW_EVIDENCE = 20;

export type AnomalyStatus = "open" | "acknowledged" | "resolved" | "false_positive";
export const ANOMALY_STATUSES: readonly AnomalyStatus[] = [
  "open",
  "acknowledged",
  "resolved",
  "false_positive",
];

/** Renders the description text from an explanation. */
export function describe(explanation: Explanation): string {
  return explanation.summary;
}
