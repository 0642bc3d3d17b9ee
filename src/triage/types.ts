import type { JsonObject } from "../core/json.js";
import type { Severity } from "../core/severity.js";

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

/** One schema for every source, with ECS-like field names (docs/triage.md#normalise). */
export interface NormalizedAlert {
  "@timestamp": string;
  event: { id: string; kind: "alert"; module: IntakeFormat; severity: number; severity_label: Severity };
  rule: { name: string | null; id: string | null; category: string | null };
  source: { ip: string | null; port: number | null };
  destination: { ip: string | null; port: number | null };
  user: { id: string | null; name: string | null };
  host: { id: string | null; name: string | null };
  file: { path: string | null; hash: { sha256?: string; sha1?: string; md5?: string } };
  url: { full: string | null; domain: string | null };
  /** What the detector that raised the alert said about itself, when it did: 0–1. */
  detector: { confidence: number | null };
}

export type IocType = "ip" | "domain" | "url" | "hash";
export const THREAT_LEVELS = ["unknown", "clean", "suspicious", "malicious"] as const;
export type ThreatLevel = (typeof THREAT_LEVELS)[number];

export interface IntelVerdict {
  ioc: string;
  ioc_type: IocType;
  /** The alert field the IOC came from (`source_ip`, `file_hash`, …). */
  field: string;
  threat_level: ThreatLevel;
  source: string;
  details: JsonObject;
}

/** What a stage passes to the next (contracts §2.3 Decision: `{alert, enrichment}`). */
export interface TriageMessage {
  alert: IncomingAlert;
  normalized?: NormalizedAlert;
  enrichment: {
    source_network?: JsonObject;
    asset?: JsonObject;
    user?: JsonObject;
    /** Keyed by alert field (`source_ip`, `file_hash`, …), as the contract says. */
    threat_intel?: Record<string, IntelVerdict>;
  };
}
