import type { JsonObject } from "../core/json.js";
import type { Severity } from "../core/severity.js";

/**
 * The triage vocabulary the triage tables' rows hold (src/store/repos/alerts.ts, intel-feeds.ts,
 * alert-enrichment.ts): kept with the store, which src/triage builds on, and re-exported by
 * src/triage/types.ts with the rest of that vocabulary.
 */

/** The five stages by their compose names (contracts §2.2), in order. */
export const STAGE_NAMES = [
  "alert-ingestor",
  "alert-normalizer",
  "context-collector",
  "threat-intel-aggregator",
  "ai-triage-agent",
] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/**
 * `alerts.status` as the alert moves on (the normaliser writes nothing, contracts §2.2); `dead_letter`
 * keeps the failed stage in `alerts.stage`.
 */
export const ALERT_STATUSES = ["received", "enriched", "intel_checked", "triaged", "dead_letter"] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const INTAKE_FORMATS = ["contract", "suricata", "wazuh", "anomaly"] as const;
export type IntakeFormat = (typeof INTAKE_FORMATS)[number];

/** An alert as accepted, in the contract's columns (§2.3), before any stage ran. */
export interface IncomingAlert {
  alert_id: string;
  source_ip: string | null;
  target_ip: string | null;
  file_hash: string | null;
  url: string | null;
  asset_id: string | null;
  user_id: string | null;
  severity: Severity | null;
  format: IntakeFormat;
  /** The alert as received (contract: every field, §2.3 Decision). */
  raw: JsonObject;
}

export type IocType = "ip" | "domain" | "url" | "hash";
export const THREAT_LEVELS = ["unknown", "clean", "suspicious", "malicious"] as const;
export type ThreatLevel = (typeof THREAT_LEVELS)[number];
