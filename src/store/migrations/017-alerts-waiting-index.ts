import { type Kysely, sql } from "kysely";

/**
 * Issue 16, item 3: the triage's sweep for alerts left between stages (a node died after storing them
 * and before handing them on; repos/alerts.ts `claimStalledAlerts`) runs every minute on every node. The
 * partial index holds only alerts still in the pipeline, by when they last moved, so the sweep walks a
 * handful of rows however many triaged alerts are stored. Same syntax on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex("idx_alerts_waiting")
    .ifNotExists()
    .on("alerts")
    .column("updated_at")
    .where(sql.ref("status"), "in", sql`('received', 'enriched', 'intel_checked')`)
    .execute();
}
