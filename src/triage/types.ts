import type { JsonObject } from "../core/json.js";
import type { Severity } from "../core/severity.js";
import type { IncomingAlert, IntakeFormat, IocType, ThreatLevel } from "../store/triage-types.js";

/** The part of triage's vocabulary the triage tables hold, kept with them in the store, below triage (scripts/check-layers.mjs). */
export {
  ALERT_STATUSES,
  type AlertStatus,
  INTAKE_FORMATS,
  type IncomingAlert,
  type IntakeFormat,
  type IocType,
  STAGE_NAMES,
  type StageName,
  THREAT_LEVELS,
  type ThreatLevel,
} from "../store/triage-types.js";

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
