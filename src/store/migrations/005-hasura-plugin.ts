import { type ColumnDefinitionBuilder, type Kysely, sql } from "kysely";

/**
 * System 003's tables (contracts §4.9.1). Other tools (PromptQL, a `data_quality` subgraph) query them,
 * so names, columns and PostgreSQL types are the original's; SQLite gets the nearest types (TEXT for
 * varchar, timestamps and the enum, BLOB for bytea, INTEGER 0/1 for boolean). `if not exists`
 * everywhere: pointed at the original plugin's database, the tables are already there.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  const pg = dialect === "postgres";
  const id = pg ? ("serial" as const) : ("integer" as const);
  const idCol = (c: ColumnDefinitionBuilder) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());
  const varchar = (n: number) => (pg ? sql.raw(`varchar(${n})`) : sql`text`);
  const ts = pg ? sql`timestamptz` : sql`text`;
  const float = pg ? sql`float8` : sql`real`;
  const bool = pg ? sql`boolean` : sql`integer`;
  // SQLite's CURRENT_TIMESTAMP has no `T`/`Z`; keep every stored time in one sortable ISO form.
  const now = pg ? sql`now()` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;
  const parent = (table: string) => (c: ColumnDefinitionBuilder) => c.notNull().references(`${table}.id`);

  await db.schema
    .createTable("trained_models")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("query_id", varchar(255), (c) => c.notNull())
    .addColumn("model_data", pg ? sql`bytea` : sql`blob`, (c) => c.notNull())
    .addColumn("features_count", "integer")
    .addColumn("records_count", "integer")
    .addColumn("last_updated", ts)
    .addColumn("created_at", ts)
    .execute();
  await db.schema
    .createIndex("ix_trained_models_query_id")
    .ifNotExists()
    .on("trained_models")
    .column("query_id")
    .execute();
  await db.schema
    .createIndex("idx_model_query")
    .ifNotExists()
    .on("trained_models")
    .columns(["query_id", "last_updated"])
    .execute();

  await db.schema
    .createTable("historical_data")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("query_id", varchar(255), (c) => c.notNull())
    .addColumn("record_count", "integer", (c) => c.defaultTo(0))
    .addColumn("last_updated", ts)
    .addColumn("created_at", ts)
    .execute();
  await db.schema
    .createIndex("ix_historical_data_query_id")
    .ifNotExists()
    .on("historical_data")
    .column("query_id")
    .execute();
  await db.schema
    .createIndex("idx_query_updated")
    .ifNotExists()
    .on("historical_data")
    .columns(["query_id", "last_updated"])
    .execute();

  await db.schema
    .createTable("historical_records")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("historical_data_id", "integer", parent("historical_data"))
    .addColumn("record_data", "text", (c) => c.notNull())
    .addColumn("last_updated", ts)
    .addColumn("created_at", ts)
    .execute();
  await db.schema
    .createIndex("idx_historical_data")
    .ifNotExists()
    .on("historical_records")
    .column("historical_data_id")
    .execute();

  await db.schema
    .createTable("anomaly_analyses")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("query_id", varchar(255), (c) => c.notNull())
    .addColumn("timestamp", ts, (c) => c.defaultTo(now))
    .addColumn("operation_name", varchar(255))
    .addColumn("user_id", varchar(255))
    .addColumn("role", varchar(100))
    .addColumn("processed_records", "integer")
    .addColumn("anomalous_records_count", "integer")
    .addColumn("historical_data_size", "integer")
    .addColumn("analysis_mode", varchar(50))
    .addColumn("anomalies_detected", bool)
    .addColumn("status", varchar(50))
    .execute();
  await db.schema
    .createIndex("idx_query_time")
    .ifNotExists()
    .on("anomaly_analyses")
    .columns(["query_id", "timestamp"])
    .execute();
  await db.schema
    .createIndex("idx_user_time")
    .ifNotExists()
    .on("anomaly_analyses")
    .columns(["user_id", "timestamp"])
    .execute();

  if (pg) {
    // The enum *names* are stored, upper case (SQLAlchemy's Enum over a Python enum).
    await sql`do $$ begin create type risklevel as enum ('LOW', 'MEDIUM', 'HIGH'); exception when duplicate_object then null; end $$`.execute(
      db,
    );
  }
  await db.schema
    .createTable("anomaly_records")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("analysis_id", "integer", parent("anomaly_analyses"))
    .addColumn("category", varchar(100))
    .addColumn("reason", "text")
    .addColumn("record_index", "integer")
    .addColumn("risk_level", pg ? sql`risklevel` : sql`text`, (c) =>
      pg ? c : c.check(sql`risk_level in ('LOW', 'MEDIUM', 'HIGH')`),
    )
    .execute();

  await db.schema
    .createTable("statistical_flags")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("analysis_id", "integer", parent("anomaly_analyses"))
    .addColumn("flag_type", varchar(100))
    .addColumn("description", "text")
    .addColumn("severity", float)
    .execute();
  for (const table of ["query_concerns", "recommendations"]) {
    await db.schema
      .createTable(table)
      .ifNotExists()
      .addColumn("id", id, idCol)
      .addColumn("analysis_id", "integer", parent("anomaly_analyses"))
      .addColumn("description", "text", (c) => c.notNull())
      .execute();
  }

  await db.schema
    .createTable("field_statistics")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("record_id", "integer", parent("anomaly_records"))
    .addColumn("field_name", varchar(255), (c) => c.notNull())
    .addColumn("field_type", varchar(50))
    .addColumn("avg_length", float)
    .addColumn("uniqueness_ratio", float)
    .addColumn("min_value", float)
    .addColumn("max_value", float)
    .addColumn("mean_value", float)
    .addColumn("median_value", float)
    .addColumn("std_dev", float)
    .addColumn("unique_count", "integer")
    .execute();
  await db.schema
    .createTable("value_distributions")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("field_statistic_id", "integer", parent("field_statistics"))
    .addColumn("value", varchar(255))
    .addColumn("count", "integer")
    .execute();

  await db.schema
    .createTable("query_patterns")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("query_hash", varchar(32), (c) => c.notNull())
    .addColumn("operation_name", varchar(255))
    .addColumn("query_text", "text", (c) => c.notNull())
    .addColumn("variables_json", "text")
    .addColumn("complexity_score", float, (c) => c.notNull())
    .addColumn("user_role", varchar(50), (c) => c.notNull())
    .addColumn("is_anomalous", bool, (c) => c.defaultTo(pg ? sql`false` : sql`0`))
    .addColumn("created_at", ts, (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createIndex("ix_query_patterns_query_hash")
    .ifNotExists()
    .on("query_patterns")
    .column("query_hash")
    .execute();
  const patternIndexes: [string, string[]][] = [
    ["idx_query_patterns_hash_role", ["query_hash", "user_role"]],
    ["idx_query_patterns_created", ["created_at"]],
    ["idx_query_patterns_anomaly", ["is_anomalous"]],
  ];
  for (const [name, columns] of patternIndexes) {
    await db.schema.createIndex(name).ifNotExists().on("query_patterns").columns(columns).execute();
  }

  await db.schema
    .createTable("query_features")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("pattern_id", "integer", parent("query_patterns"))
    .addColumn("feature_name", varchar(50), (c) => c.notNull())
    .addColumn("feature_value", float, (c) => c.notNull())
    .addColumn("feature_type", varchar(10), (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("idx_query_features_pattern_name")
    .ifNotExists()
    .on("query_features")
    .columns(["pattern_id", "feature_name"])
    .execute();
  await db.schema
    .createIndex("idx_query_features_name_value")
    .ifNotExists()
    .on("query_features")
    .columns(["feature_name", "feature_value"])
    .execute();
}
