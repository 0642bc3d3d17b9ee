import { type ColumnDefinitionBuilder, type Kysely, sql } from "kysely";

/**
 * System 001's security triage tables (contracts §2.5) with their exact column names, the inventory they
 * enrich from (`users`, `assets`), the local intel feeds (`intel_indicators`), remediation actions, and
 * the nullable triage columns of the shared `incidents` table (C6: system 004's six stay the core).
 * The contract's JSONB columns are `jsonb` on PostgreSQL so its clients can query into them; everything
 * else follows the store's conventions (ISO-8601 UTC text timestamps).
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  const pgsql = dialect === "postgres";
  const id = pgsql ? ("serial" as const) : ("integer" as const);
  const idCol = (c: ColumnDefinitionBuilder) => (pgsql ? c.primaryKey() : c.primaryKey().autoIncrement());
  const json = pgsql ? sql`jsonb` : sql`text`;
  const float = pgsql ? sql`double precision` : sql`real`;

  await db.schema
    .createTable("alerts")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("alert_id", "text", (c) => c.notNull().unique())
    .addColumn("source_ip", "text")
    .addColumn("target_ip", "text")
    .addColumn("file_hash", "text")
    .addColumn("url", "text")
    .addColumn("asset_id", "text")
    .addColumn("user_id", "text")
    .addColumn("severity", "text")
    .addColumn("raw", json, (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    // Logwarden's columns: where the alert came from, and the stage bookkeeping (`stage` is the one that
    // failed when `status` is `dead_letter`).
    .addColumn("format", "text", (c) => c.notNull().defaultTo("contract"))
    .addColumn("stage", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .addColumn("verdict", "text")
    .addColumn("rule_name", "text")
    .addColumn("incident_id", "integer")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("idx_alerts_status")
    .ifNotExists()
    .on("alerts")
    .columns(["status", "id"])
    .execute();
  await db.schema.createIndex("idx_alerts_created").ifNotExists().on("alerts").column("created_at").execute();
  // Past verdicts per rule (the risk model's input) are read for every batch: only judged alerts are indexed.
  await db.schema
    .createIndex("idx_alerts_rule_verdict")
    .ifNotExists()
    .on("alerts")
    .columns(["rule_name", "verdict"])
    .where(sql.ref("verdict"), "is not", null)
    .execute();

  await db.schema
    .createTable("alert_context")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("alert_id", "text", (c) => c.notNull())
    .addColumn("context_type", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("context_data", json, (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("idx_alert_context_alert")
    .ifNotExists()
    .on("alert_context")
    .column("alert_id")
    .execute();

  await db.schema
    .createTable("threat_intel")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("ioc", "text", (c) => c.notNull())
    .addColumn("ioc_type", "text", (c) => c.notNull())
    .addColumn("threat_level", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("details", json, (c) => c.notNull())
    .addColumn("first_seen", "text", (c) => c.notNull())
    .addColumn("last_seen", "text", (c) => c.notNull())
    // Logwarden's: the cached verdict is looked up again after this time.
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addUniqueConstraint("uq_threat_intel_ioc", ["ioc", "ioc_type"])
    .execute();

  await db.schema
    .createTable("triage_results")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("alert_id", "text", (c) => c.notNull().unique())
    .addColumn("risk_score", float, (c) => c.notNull())
    .addColumn("risk_level", "text", (c) => c.notNull())
    .addColumn("confidence", float, (c) => c.notNull())
    .addColumn("analysis_result", "text", (c) => c.notNull())
    .addColumn("recommended_actions", json, (c) => c.notNull())
    .addColumn("requires_human_review", "boolean", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    // Logwarden's: every input of the risk model and which analyser produced the verdict.
    .addColumn("inputs", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("analyzer", "text", (c) => c.notNull().defaultTo("rules"))
    .execute();

  await db.schema
    .createTable("users")
    .ifNotExists()
    .addColumn("user_id", "text", (c) => c.primaryKey())
    .addColumn("name", "text")
    .addColumn("email", "text")
    .addColumn("department", "text")
    .addColumn("privileged", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("attributes", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("assets")
    .ifNotExists()
    .addColumn("asset_id", "text", (c) => c.primaryKey())
    .addColumn("hostname", "text")
    .addColumn("ip", "text")
    .addColumn("owner", "text")
    .addColumn("criticality", "text", (c) => c.notNull().defaultTo("medium"))
    .addColumn("environment", "text")
    .addColumn("attributes", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("idx_assets_hostname").ifNotExists().on("assets").column("hostname").execute();
  await db.schema.createIndex("idx_assets_ip").ifNotExists().on("assets").column("ip").execute();

  await db.schema
    .createTable("intel_indicators")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("ioc", "text", (c) => c.notNull())
    .addColumn("ioc_type", "text", (c) => c.notNull())
    .addColumn("feed", "text", (c) => c.notNull())
    .addColumn("threat_level", "text", (c) => c.notNull())
    .addColumn("confidence", float, (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("imported_at", "text", (c) => c.notNull())
    .addUniqueConstraint("uq_intel_indicator", ["ioc", "ioc_type", "feed"])
    .execute();

  await db.schema
    .createTable("remediation_actions")
    .ifNotExists()
    .addColumn("id", id, idCol)
    .addColumn("incident_id", "integer", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("result", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("approved_by", "text")
    .addColumn("executed_at", "text")
    .execute();
  await db.schema
    .createIndex("idx_remediation_incident")
    .ifNotExists()
    .on("remediation_actions")
    .column("incident_id")
    .execute();

  // C6: triage's incident columns are nullable, so system 004's rows and readers are untouched.
  for (const [name, type] of [
    ["alert_id", "text"],
    ["entity", "text"],
    ["alert_ids", "text"],
    ["last_alert_at", "text"],
    ["risk_score", float],
  ] as const) {
    await db.schema.alterTable("incidents").addColumn(name, type).execute();
  }
  await db.schema
    .createIndex("idx_incidents_entity")
    .ifNotExists()
    .on("incidents")
    .columns(["entity", "status"])
    .execute();
}
