import type { Kysely } from "kysely";

/**
 * `alerts.review_status`: where an analyst is with an alert (open, acknowledged, resolved). `status`
 * stays the pipeline's stage (received … triaged, dead_letter), which retries and the stages own, so
 * an acknowledgement never looks like a stage and a retry never reopens what an analyst closed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("alerts")
    .addColumn("review_status", "text", (c) => c.notNull().defaultTo("open"))
    .execute();
}
