import type { ColumnType, Generated } from "kysely";
import type { IncidentTriageColumns, TriageTables } from "./triage-schema.js";

/**
 * Table types. Timestamps are ISO-8601 UTC text (`…Z`), JSON columns are JSON text, on both dialects,
 * so repositories never branch on the database.
 */
export interface LogsTable {
  id: Generated<number>;
  /** System 004 core columns (contracts §5.3). */
  timestamp: string;
  service: string;
  level: string | null;
  message: string;
  metadata: string;
  created_at: string;
  /** Logwarden's columns. */
  observed_at: string;
  severity_number: number;
  host: string | null;
  resource: string;
  stream: string;
  template_id: string | null;
  params: string | null;
}

/** Migration 016: the greatest reference the segment log store issued (one row, id 1). */
export interface LogRefsTable {
  id: number;
  last_ref: number;
}

/** Migration 016: what a batch row and a sealed segment row have in common (src/store/segments). */
interface LogPieceColumns {
  first_ref: number;
  last_ref: number;
  count: number;
  min_time: string;
  max_time: string;
  min_severity: number;
  max_severity: number;
  /** The records, encoded by src/store/columnar's `encodeSegment`. */
  data: Uint8Array;
}

/** Migration 016: one appended batch, not yet sealed (the segment store's write-ahead step). */
export interface LogBatchesTable extends LogPieceColumns {
  created_at: string;
}

/** Migration 016: a sealed segment of consecutive references. */
export interface LogSegmentsTable extends LogPieceColumns {
  id: Generated<number>;
  sealed_at: string;
  /**
   * Migration 027: the object holding the segment's bytes in object storage (`data` is then empty); null
   * when `data` holds them (src/store/segments/segment-bytes.ts).
   */
  object_key: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * Migration 021: a sealed segment's stored digit filter (its `digits` block), read apart from its bytes
 * by a search for a number (src/store/segments/piece-session.ts).
 */
export interface LogSegmentDigitsTable {
  segment_id: number;
  digits: Uint8Array;
}

export interface TemplatesTable {
  template_id: string;
  stream: string;
  template: string;
  count: number;
  first_seen: string;
  last_seen: string;
  /** Set when the template generalised into another one (lineage). */
  replaced_by: string | null;
}

export interface AnomaliesTable {
  id: Generated<number>;
  /** System 000 core columns (contracts §1.6): `agent_name` is the detector. */
  agent_name: string;
  device_id: number | null;
  timestamp: string;
  anomaly_type: string;
  confidence: number;
  description: string | null;
  features: string;
  created_at: string;
  /** Logwarden's columns. */
  severity: string;
  service: string | null;
  key: string;
  status: string;
  explanation: string;
  evidence: string;
  template_id: string | null;
  count: number;
  last_seen: string;
  updated_at: string;
  /**
   * When the sink dispatcher queued this form of the anomaly for the sinks (migration 015); null until
   * then, and again after a repeat merges into it. Optional on insert: a new anomaly is not yet queued.
   */
  sinks_queued_at: Generated<string | null>;
}

export interface IncidentsTable extends IncidentTriageColumns {
  id: Generated<number>;
  /** System 004 core columns (contracts §5.3, §6.3 C6). */
  detected_at: string;
  service: string | null;
  severity: string;
  summary: string;
  features: string;
  /** Logwarden's columns. */
  status: string;
  anomaly_ids: string;
  updated_at: string | null;
}

export interface ModelsTable {
  id: Generated<number>;
  kind: string;
  key: string;
  version: number;
  parameters: string;
  training_size: number;
  features: string;
  metrics: string;
  /** The serialised model itself (JSON). */
  artifact: string;
  created_at: string;
}

export interface AuditLogsTable {
  id: Generated<number>;
  occurred_at: string;
  actor: string;
  action: string;
  target: string | null;
  details: string;
}

/** Opaque, versioned state blobs: miner state, detector state, checkpoints. */
export interface StateTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  /** Comma-separated: `read`, `ingest`, `admin`. */
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** One anomaly's delivery to one sink (`src/sinks/`); `pending|delivered|failed|dead`. */
export interface DeliveriesTable {
  id: Generated<number>;
  anomaly_id: number;
  sink: string;
  status: string;
  attempts: number;
  last_error: string | null;
  /** The anomaly as sent (JSON). */
  payload: string;
  next_attempt_at: string;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
  /** The process sending it now (`claimDeliveries`), until `claim_expires_at`; null when unclaimed. */
  claimed_by: string | null;
  claim_expires_at: string | null;
}

/** One committed pipeline batch; its id tags the partition state saved after it. */
export interface IngestBatchesTable {
  id: Generated<number>;
  records: number;
  committed_at: string;
}

/** Per source, the highest submission number committed (in the transaction of its rows). */
export interface SourceSubmissionsTable {
  source: string;
  seq: number;
  batch_id: number;
  updated_at: string;
}

/** Miner and detector state of one partition (stream), as of batch `batch_id`. */
export interface PartitionStateTable {
  partition: string;
  /** The state's JSON text; empty when `packed` holds it. */
  value: string;
  /** Migration 023: the JSON text compressed (`packStateText`), for large rows; null otherwise. */
  packed: Uint8Array | null;
  batch_id: number;
  updated_at: string;
}

/** Issue 16: a partition's owner and lease (migration 018, src/distribution). */
export interface ClusterPartitionsTable {
  partition: number;
  owner: string | null;
  epoch: number;
  lease_until: number;
}

export interface ClusterNodesTable {
  node: string;
  seen_at: number;
  /** The node's CLUSTER_MESSAGE_RECORDS (migration 026); null for a node of an earlier version. */
  message_records: number | null;
}

/** A hand-off message whose records are committed (written in their transaction). */
export interface ClusterHandoffsTable {
  message_id: string;
  partition: number;
  done_at: number;
}

/** A record stating an authentication event, passed to a cluster's entity owner (migration 025). */
export interface ClusterEntityOutboxTable {
  id: Generated<number>;
  /** The parsed record, JSON. */
  record: string;
}

/** An ingest request's `Idempotency-Key` (migration 024, src/service/idempotent-requests.ts). */
export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  body_digest: string;
  /** Epoch ms (PostgreSQL's bigint comes back as a string: read it with Number). */
  created_ms: number | string;
  /** Lines stored with the key on one node; null for a cluster node's claim. */
  records: number | null;
  partial: string | null;
  answer: string | null;
}

/** A person's verdict on an anomaly (`true_positive` / `false_positive`). */
export interface VerdictsTable {
  id: Generated<number>;
  anomaly_id: number;
  detector: string;
  key: string;
  template_id: string | null;
  verdict: string;
  actor: string;
  note: string | null;
  created_at: string;
}

/** What a false positive silences: a detector, narrowed by key and/or template, until `expires_at`. */
export interface SuppressionsTable {
  id: Generated<number>;
  verdict_id: number | null;
  detector: string;
  key: string | null;
  template_id: string | null;
  reason: string | null;
  expires_at: string | null;
  created_at: string;
  lifted_at: string | null;
  /** The judged anomaly's score: findings scoring above it are not suppressed (null: any score). */
  max_score: number | null;
  suppressed_count: Generated<number>;
  last_suppressed_at: string | null;
  lifted_by: string | null;
}

export interface Database extends TriageTables {
  api_tokens: ApiTokensTable;
  logs: LogsTable;
  log_refs: LogRefsTable;
  log_batches: LogBatchesTable;
  log_segments: LogSegmentsTable;
  log_segment_digits: LogSegmentDigitsTable;
  templates: TemplatesTable;
  anomalies: AnomaliesTable;
  incidents: IncidentsTable;
  models: ModelsTable;
  audit_logs: AuditLogsTable;
  state: StateTable;
  deliveries: DeliveriesTable;
  ingest_batches: IngestBatchesTable;
  source_submissions: SourceSubmissionsTable;
  partition_state: PartitionStateTable;
  cluster_partitions: ClusterPartitionsTable;
  cluster_nodes: ClusterNodesTable;
  cluster_handoffs: ClusterHandoffsTable;
  cluster_entity_outbox: ClusterEntityOutboxTable;
  idempotency_keys: IdempotencyKeysTable;
  verdicts: VerdictsTable;
  suppressions: SuppressionsTable;
}
