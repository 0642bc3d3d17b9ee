import { type ColumnDefinitionBuilder, type Kysely, type RawBuilder, sql } from "kysely";

/**
 * Portable schema for both dialects. `serial` ids via `integer primary key autoincrement` on SQLite
 * and `serial` on PostgreSQL come from `autoIncrementId`.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  const id = dialect === "postgres" ? ("serial" as const) : ("integer" as const);
  // SQLite's REAL is a double; PostgreSQL's `real` is a float4, so ask for double precision there.
  const float = dialect === "postgres" ? sql`double precision` : sql`real`;
  const idCol = (col: ColumnDefinitionBuilder) =>
    dialect === "postgres" ? col.primaryKey() : col.primaryKey().autoIncrement();

  await db.schema
    .createTable("logs")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("timestamp", "text", (c) => c.notNull())
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("level", "text")
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("metadata", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("observed_at", "text", (c) => c.notNull())
    .addColumn("severity_number", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("host", "text")
    .addColumn("resource", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("stream", "text", (c) => c.notNull())
    .addColumn("template_id", "text")
    .addColumn("params", "text")
    .execute();
  await db.schema.createIndex("idx_logs_timestamp").ifNotExists().on("logs").column("timestamp").execute();
  await db.schema
    .createIndex("idx_logs_service_timestamp")
    .ifNotExists()
    .on("logs")
    .columns(["service", "timestamp"])
    .execute();
  await db.schema.createIndex("idx_logs_template").ifNotExists().on("logs").column("template_id").execute();

  await db.schema
    .createTable("templates")
    .ifNotExists()
    .addColumn("template_id", "text", (c) => c.primaryKey())
    .addColumn("stream", "text", (c) => c.notNull())
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("first_seen", "text", (c) => c.notNull())
    .addColumn("last_seen", "text", (c) => c.notNull())
    .addColumn("replaced_by", "text")
    .execute();
  await db.schema
    .createIndex("idx_templates_stream")
    .ifNotExists()
    .on("templates")
    .column("stream")
    .execute();

  await db.schema
    .createTable("anomalies")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("agent_name", "text", (c) => c.notNull())
    .addColumn("device_id", "integer")
    .addColumn("timestamp", "text", (c) => c.notNull())
    .addColumn("anomaly_type", "text", (c) => c.notNull())
    .addColumn("confidence", float, (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("features", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("service", "text")
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open"))
    .addColumn("explanation", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("evidence", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("template_id", "text")
    .addColumn("count", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("last_seen", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  // System 000's two indexes by their contract names (§1.6), plus what our filters need.
  await db.schema
    .createIndex("idx_anomalies_timestamp")
    .ifNotExists()
    .on("anomalies")
    .column("timestamp")
    .execute();
  await db.schema
    .createIndex("idx_anomalies_agent")
    .ifNotExists()
    .on("anomalies")
    .column("agent_name")
    .execute();
  await db.schema
    .createIndex("idx_anomalies_open_key")
    .ifNotExists()
    .on("anomalies")
    .columns(["agent_name", "key", "status"])
    .execute();
  // System 000's table name (§1.7 Decision): a view over the one anomalies table, never a copy.
  const mcpView = sql`select id, agent_name, device_id, timestamp, anomaly_type, confidence, description,
    features, created_at from anomalies`;
  await createView(db, dialect, "mcp_anomalies", mcpView);

  await db.schema
    .createTable("incidents")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("detected_at", "text", (c) => c.notNull())
    .addColumn("service", "text")
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull())
    .addColumn("features", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("open"))
    .addColumn("anomaly_ids", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("updated_at", "text")
    .execute();
  await db.schema
    .createIndex("idx_incidents_detected")
    .ifNotExists()
    .on("incidents")
    .column("detected_at")
    .execute();

  await db.schema
    .createTable("models")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("parameters", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("training_size", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("features", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("metrics", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("artifact", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("uq_models_kind_key_version", ["kind", "key", "version"])
    .execute();

  // Contract 001's table name (§2.5); `audit_log` is a view for readers who use the singular.
  await db.schema
    .createTable("audit_logs")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("occurred_at", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target", "text")
    .addColumn("details", "text", (c) => c.notNull().defaultTo("{}"))
    .execute();
  await db.schema
    .createIndex("idx_audit_logs_occurred")
    .ifNotExists()
    .on("audit_logs")
    .column("occurred_at")
    .execute();
  await createView(db, dialect, "audit_log", sql`select * from audit_logs`);

  await db.schema
    .createTable("state")
    .ifNotExists()
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}

async function createView(
  db: Kysely<unknown>,
  dialect: "sqlite" | "postgres",
  name: string,
  query: RawBuilder<unknown>,
): Promise<void> {
  // PostgreSQL has no `create view if not exists`; SQLite has no `create or replace view`.
  const verb = dialect === "postgres" ? sql`create or replace view` : sql`create view if not exists`;
  await sql`${verb} ${sql.id(name)} as ${query}`.execute(db);
}
