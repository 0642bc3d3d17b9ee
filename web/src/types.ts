/** Shapes of the API's JSON (docs/api.md; /openapi.json is the reference). */

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const STATUSES = ["open", "acknowledged", "resolved", "false_positive"] as const;
export type Status = (typeof STATUSES)[number];

/** A row of GET /api/v1/anomalies (system 000's nine fields). */
export interface AnomalyRow {
  id: number;
  agent_name: string;
  device_id: number | null;
  timestamp: string;
  anomaly_type: string;
  confidence: number;
  description: string | null;
  features: Record<string, unknown> | null;
  created_at: string;
}

/** What the live stream sends for each new anomaly. */
export interface LiveAnomaly {
  id: number;
  detector: string;
  type: string;
  timestamp: string;
  service: string | null;
  severity: Severity;
  status: Status;
  score: number;
  description: string | null;
  count: number;
}

export interface EvidenceRecord {
  id: number;
  timestamp: string;
  service: string;
  level: string | null;
  message: string;
  host: string | null;
  template_id: string | null;
  metadata: Record<string, unknown>;
}

export interface AnomalyDetail {
  id: number;
  detector: string;
  type: string;
  timestamp: string;
  service: string | null;
  key: string;
  score: number;
  severity: Severity;
  status: Status;
  description: string | null;
  features: Record<string, unknown>;
  explanation: {
    summary: string;
    observed: Record<string, unknown>;
    expected: Record<string, unknown>;
    [k: string]: unknown;
  } | null;
  evidence: number[];
  evidence_records: EvidenceRecord[];
  history: { at: string; actor: string; action: string; details: Record<string, unknown> }[];
  template_id: string | null;
  count: number;
  last_seen: string;
  created_at: string;
  updated_at: string;
  /** Its detector's precision from people's verdicts over the last 30 days, with the sentence. */
  detector_precision: {
    detector: string;
    window_days: number;
    judged: number;
    true_positives: number;
    false_positives: number;
    precision: number | null;
    text: string;
  };
}

export interface Template {
  template_id: string;
  stream: string;
  template: string;
  count: number;
  first_seen: string;
  last_seen: string;
}

export interface Incident {
  [k: string]: unknown;
}

export interface TokenInfo {
  id: number;
  name: string;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** `GET /api/v1/logs` rows. */
export interface LogLine {
  id: number;
  timestamp: string;
  service: string;
  level: string | null;
  host: string | null;
  message: string;
  template_id: string | null;
  template: string | null;
  /** `message` is only the start of the stored line (a list shows 16 KiB of each; the context's line more). */
  truncated?: true;
  /** The stored message's length in UTF-8 bytes, when `truncated`. */
  message_bytes?: number;
  /** `template` is only the start of the template's text. */
  template_truncated?: true;
}

/** `GET /api/v1/logs/histogram`: `since`/`until` are null when nothing matches. */
export interface LogHistogram {
  since: string | null;
  until: string | null;
  interval_ms: number;
  total: number;
  buckets: { start: string; count: number }[];
}

/** `GET /api/v1/logs/{id}/context`. */
export interface LogContext {
  line: LogLine;
  before: LogLine[];
  after: LogLine[];
}

/** `GET /api/v1/logs/facets`. */
export interface LogFacets {
  services: { name: string; count: number }[];
  /** `template_ids`: the ids of the lines counted (GET /api/v1/logs?template_id= lists them). */
  templates: { name: string; count: number; template_ids?: string[] }[];
}

/** A false-positive suppression (`GET /api/v1/suppressions`). */
export interface Suppression {
  id: number;
  detector: string;
  /** The detector key it is narrowed to (e.g. `ip:10.0.0.5`); null: any. */
  entity: string | null;
  template_id: string | null;
  scope: "key" | "template" | "detector";
  /** Findings scoring above this still fire. */
  max_score: number | null;
  expires_at: string | null;
  created_at: string;
  created_by: string | null;
  reason: string | null;
  anomaly_id: number | null;
  suppressed_count: number;
  last_suppressed_at: string | null;
  lifted_at: string | null;
  lifted_by: string | null;
  active: boolean;
}

/** What a false-positive verdict would suppress (`GET /api/v1/suppressions/preview`). */
export interface SuppressionPreview {
  detector: string;
  entity: string | null;
  template_id: string | null;
  scope: Suppression["scope"];
  max_score: number;
  expires_at: string | null;
}

/** One incident of `GET /api/v1/anomaly-incidents`: findings about one user, address or host close in time. */
export interface AnomalyIncident {
  /** The id of its first anomaly. */
  id: number;
  start: string;
  end: string;
  /** `user:…`, `ip:…`, `host:…`, or the key of a finding that names none. */
  entities: string[];
  detectors: string[];
  /** Its anomalies, oldest first. */
  anomaly_ids: number[];
  /** 1 − Π(1 − score) over its anomalies. */
  score: number;
  severity: Severity;
  summary: string;
}

/** `GET /api/v1/anomaly-incidents`. */
export interface AnomalyIncidentPage {
  since: string;
  until: string;
  window_secs: number;
  /** Stored anomalies grouped. */
  findings: number;
  /** Only the newest 10,000 anomalies of the range were grouped. */
  truncated: boolean;
  /** Incidents in the range before offset and limit. */
  total: number;
  incidents: AnomalyIncident[];
}

/** `GET /api/v1/anomaly-briefs` rows: what a table shows of an anomaly it knows only by id. */
export interface AnomalyBrief {
  id: number;
  severity: Severity;
  status: Status;
  service: string | null;
  key: string;
  count: number;
  detector: string;
  timestamp: string;
  description: string | null;
}
