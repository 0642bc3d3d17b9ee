/** Shapes of the triage API (`/api/v1/alerts…`, docs/triage.md). */

export interface AlertListItem {
  alert_id: string;
  source_ip: string | null;
  user_id: string | null;
  asset_id: string | null;
  severity: string | null;
  status: string;
  rule_name: string | null;
  verdict: string | null;
  incident_id: number | null;
  /** The analyst's review, apart from the pipeline's `status` (PATCH /api/v1/alerts). */
  review_status: "open" | "acknowledged" | "resolved";
  risk_score: number | null;
  risk_level: string | null;
  created_at: string;
  /** What happened, in words (the rule or detector), and what it concerns. */
  title: string;
  entity: string | null;
  /** When it happened, as the alert says; `created_at` is when it was received. */
  event_time: string | null;
  /** The finding an anomaly alert was raised from. */
  anomaly_id: number | null;
}

/**
 * The one severity an alert shows, on the list and its page: the one it was reported with, which the list
 * is sorted and filtered by (a badge of the risk level put "high" first among "critical" rows, and under
 * a "critical" filter); the triage's risk level only when none was reported. The risk is shown as its score.
 */
export function alertSeverity(a: Pick<AlertListItem, "risk_level" | "severity">): string | null {
  return a.severity ?? a.risk_level;
}

export interface AlertList {
  items: AlertListItem[];
  total: number;
  limit: number;
  offset: number;
}

export interface AlertDetail extends AlertListItem {
  target_ip: string | null;
  file_hash: string | null;
  url: string | null;
  format: string;
  stage: string | null;
  last_error: string | null;
  attempts: number;
  normalized: Record<string, unknown>;
  context: {
    context_type: string;
    source: string;
    context_data: Record<string, unknown>;
    created_at: string;
  }[];
  threat_intel: {
    field: string;
    ioc: string;
    ioc_type: string;
    threat_level: string;
    source: string;
    details: Record<string, unknown>;
    first_seen: string;
    last_seen: string;
  }[];
  triage: {
    risk_score: number;
    risk_level: string;
    confidence: number;
    analysis_result: string;
    recommended_actions: string[];
    requires_human_review: boolean;
    inputs: Record<string, unknown>;
    analyzer: string;
    created_at: string;
  } | null;
}
