import type { Generated } from "kysely";

/**
 * System 001's triage tables (contracts §2.5) and their neighbours. JSON columns arrive as text on
 * SQLite and as parsed values on PostgreSQL (`jsonb`, as the contract says), so readers use `readJson`.
 */
export interface AlertsTable {
  id: Generated<number>;
  alert_id: string;
  source_ip: string | null;
  target_ip: string | null;
  file_hash: string | null;
  url: string | null;
  asset_id: string | null;
  user_id: string | null;
  severity: string | null;
  raw: unknown;
  status: string;
  created_at: string;
  format: string;
  stage: string | null;
  attempts: number;
  last_error: string | null;
  verdict: string | null;
  rule_name: string | null;
  incident_id: number | null;
  updated_at: string;
  /** Analyst review: open (default), acknowledged, resolved (migration 011). */
  review_status: Generated<string>;
}

export interface AlertContextTable {
  id: Generated<number>;
  alert_id: string;
  context_type: string;
  source: string;
  context_data: unknown;
  created_at: string;
}

export interface ThreatIntelTable {
  id: Generated<number>;
  ioc: string;
  ioc_type: string;
  threat_level: string;
  source: string;
  details: unknown;
  first_seen: string;
  last_seen: string;
  expires_at: string;
}

export interface TriageResultsTable {
  id: Generated<number>;
  alert_id: string;
  risk_score: number;
  risk_level: string;
  confidence: number;
  analysis_result: string;
  recommended_actions: unknown;
  /** BOOLEAN on PostgreSQL, 0/1 on SQLite. */
  requires_human_review: boolean | number;
  created_at: string;
  updated_at: string;
  inputs: string;
  analyzer: string;
}

export interface UsersTable {
  user_id: string;
  name: string | null;
  email: string | null;
  department: string | null;
  privileged: boolean | number;
  attributes: string;
  created_at: string;
  updated_at: string;
}

export interface AssetsTable {
  asset_id: string;
  hostname: string | null;
  ip: string | null;
  owner: string | null;
  criticality: string;
  environment: string | null;
  attributes: string;
  created_at: string;
  updated_at: string;
}

/** One indicator of one local feed (plain list, CSV or STIX 2.1 bundle). */
export interface IntelIndicatorsTable {
  id: Generated<number>;
  ioc: string;
  ioc_type: string;
  feed: string;
  threat_level: string;
  confidence: number;
  description: string | null;
  imported_at: string;
}

/** `proposed → approved → executed|failed` (or `rejected`). */
export interface RemediationActionsTable {
  id: Generated<number>;
  incident_id: number;
  action: string;
  target: string;
  status: string;
  reason: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
  approved_by: string | null;
  executed_at: string | null;
}

/** Triage's nullable columns on the shared `incidents` table (contracts §6.3 C6). */
export interface IncidentTriageColumns {
  alert_id: string | null;
  entity: string | null;
  alert_ids: string | null;
  last_alert_at: string | null;
  risk_score: number | null;
}

export interface TriageTables {
  alerts: AlertsTable;
  alert_context: AlertContextTable;
  threat_intel: ThreatIntelTable;
  triage_results: TriageResultsTable;
  users: UsersTable;
  assets: AssetsTable;
  intel_indicators: IntelIndicatorsTable;
  remediation_actions: RemediationActionsTable;
}
