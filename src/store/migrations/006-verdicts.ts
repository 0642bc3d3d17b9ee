import type { ColumnDefinitionBuilder, Kysely } from "kysely";

/**
 * Verdicts people give anomalies (true or false positive), and the suppressions a false positive scopes:
 * a detector, optionally narrowed to one key and/or one template, optionally until a time.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  const id = (c: ColumnDefinitionBuilder) =>
    dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement();
  await db.schema
    .createTable("verdicts")
    .ifNotExists()
    .addColumn("id", dialect === "postgres" ? "serial" : "integer", id)
    .addColumn("anomaly_id", "integer", (c) => c.notNull())
    .addColumn("detector", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("template_id", "text")
    .addColumn("verdict", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("note", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("idx_verdicts_anomaly")
    .ifNotExists()
    .on("verdicts")
    .columns(["anomaly_id", "id"])
    .execute();
  await db.schema
    .createIndex("idx_verdicts_detector")
    .ifNotExists()
    .on("verdicts")
    .column("detector")
    .execute();
  await db.schema
    .createTable("suppressions")
    .ifNotExists()
    .addColumn("id", dialect === "postgres" ? "serial" : "integer", id)
    .addColumn("verdict_id", "integer")
    .addColumn("detector", "text", (c) => c.notNull())
    .addColumn("key", "text")
    .addColumn("template_id", "text")
    .addColumn("reason", "text")
    .addColumn("expires_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("lifted_at", "text")
    .execute();
}
