import type { Kysely } from "kysely";

/**
 * Notification deliveries: one row per anomaly and sink, so a restart resumes what was not delivered
 * and an operator can see what failed and why. `payload` is the anomaly as it was sent (or will be).
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  await db.schema
    .createTable("deliveries")
    .ifNotExists()
    .addColumn("id", dialect === "postgres" ? "serial" : "integer", (c) =>
      dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn("anomaly_id", "integer", (c) => c.notNull())
    .addColumn("sink", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("next_attempt_at", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("delivered_at", "text")
    .addUniqueConstraint("uq_deliveries_anomaly_sink", ["anomaly_id", "sink"])
    .execute();
  await db.schema
    .createIndex("idx_deliveries_due")
    .ifNotExists()
    .on("deliveries")
    .columns(["status", "next_attempt_at"])
    .execute();
}
