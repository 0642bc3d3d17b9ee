import type { Generated, Kysely } from "kysely";
import type { Store } from "../store/db.js";
import type { Database } from "../store/schema.js";

/**
 * System 003's tables (migration `005-hasura-plugin`). Read back, timestamps are `Date` on PostgreSQL
 * (timestamptz) and ISO text on SQLite, booleans are `boolean` or 0/1: `readTime`/`readBool` normalise.
 * Writes use ISO text and 0/1, which both databases accept for these types.
 */
type Time = string | Date;
type Bool = boolean | number;

export interface TrainedModelsTable {
  id: Generated<number>;
  query_id: string;
  model_data: Buffer;
  features_count: number | null;
  records_count: number | null;
  last_updated: Time | null;
  created_at: Time | null;
}

export interface HistoricalDataTable {
  id: Generated<number>;
  query_id: string;
  record_count: number | null;
  last_updated: Time | null;
  created_at: Time | null;
}

export interface HistoricalRecordsTable {
  id: Generated<number>;
  historical_data_id: number;
  record_data: string;
  last_updated: Time | null;
  created_at: Time | null;
}

export interface AnomalyAnalysesTable {
  id: Generated<number>;
  query_id: string;
  timestamp: Time | null;
  operation_name: string | null;
  user_id: string | null;
  role: string | null;
  processed_records: number | null;
  anomalous_records_count: number | null;
  historical_data_size: number | null;
  analysis_mode: string | null;
  anomalies_detected: Bool | null;
  status: string | null;
}

export interface AnomalyRecordsTable {
  id: Generated<number>;
  analysis_id: number;
  category: string | null;
  reason: string | null;
  record_index: number | null;
  risk_level: "LOW" | "MEDIUM" | "HIGH" | null;
}

export interface StatisticalFlagsTable {
  id: Generated<number>;
  analysis_id: number;
  flag_type: string | null;
  description: string | null;
  severity: number | null;
}

export interface DescriptionTable {
  id: Generated<number>;
  analysis_id: number;
  description: string;
}

export interface FieldStatisticsTable {
  id: Generated<number>;
  record_id: number;
  field_name: string;
  field_type: string | null;
  avg_length: number | null;
  uniqueness_ratio: number | null;
  min_value: number | null;
  max_value: number | null;
  mean_value: number | null;
  median_value: number | null;
  std_dev: number | null;
  unique_count: number | null;
}

export interface ValueDistributionsTable {
  id: Generated<number>;
  field_statistic_id: number;
  value: string | null;
  count: number | null;
}

export interface QueryPatternsTable {
  id: Generated<number>;
  query_hash: string;
  operation_name: string | null;
  query_text: string;
  variables_json: string | null;
  complexity_score: number;
  user_role: string;
  is_anomalous: Bool | null;
  created_at: Time;
}

export interface QueryFeaturesTable {
  id: Generated<number>;
  pattern_id: number;
  feature_name: string;
  feature_value: number;
  feature_type: "int" | "bool" | "float";
}

// A type alias, not an interface: Kysely's `withTables` needs the implicit index signature.
export type HasuraTables = {
  trained_models: TrainedModelsTable;
  historical_data: HistoricalDataTable;
  historical_records: HistoricalRecordsTable;
  anomaly_analyses: AnomalyAnalysesTable;
  anomaly_records: AnomalyRecordsTable;
  statistical_flags: StatisticalFlagsTable;
  query_concerns: DescriptionTable;
  recommendations: DescriptionTable;
  field_statistics: FieldStatisticsTable;
  value_distributions: ValueDistributionsTable;
  query_patterns: QueryPatternsTable;
  query_features: QueryFeaturesTable;
};

export type HasuraDb = Kysely<Database & HasuraTables>;

/** The store's connection, typed with system 003's tables as well (kept out of the shared schema). */
export function hasuraDb(store: Store): HasuraDb {
  return store.db.withTables<HasuraTables>();
}

export function readTime(value: Time | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : value;
}

export function readBool(value: Bool | null | undefined): boolean {
  return value === true || value === 1;
}

/** Contract §4.9.2 [Decision]: a value longer than its column is cut, never allowed to fail the transaction. */
export function clip(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  return value.length > max ? value.slice(0, max) : value;
}
