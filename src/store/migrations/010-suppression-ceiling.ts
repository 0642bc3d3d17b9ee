import { type Kysely, sql } from "kysely";

/**
 * Suppressions become narrow and accountable:
 * - `max_score`: the judged anomaly's score. A false positive says "this much was normal for this
 *   entity", not "never tell me about it again", so a later finding stronger than that still fires.
 *   Existing suppressions get their anomaly's score, so an upgrade also stops them hiding escalations.
 * - `suppressed_count` / `last_suppressed_at`: how many findings each one has dropped (and when last).
 * - `lifted_by`: who revoked it (the audit log has the rest).
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  const real = dialect === "postgres" ? "double precision" : "real";
  await db.schema.alterTable("suppressions").addColumn("max_score", real).execute();
  await db.schema
    .alterTable("suppressions")
    .addColumn("suppressed_count", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("suppressions").addColumn("last_suppressed_at", "text").execute();
  await db.schema.alterTable("suppressions").addColumn("lifted_by", "text").execute();
  await sql`update suppressions set max_score = (
      select a.confidence from verdicts v join anomalies a on a.id = v.anomaly_id where v.id = suppressions.verdict_id
    ) where verdict_id is not null`.execute(db);
  await db.schema
    .createIndex("idx_suppressions_detector")
    .ifNotExists()
    .on("suppressions")
    .columns(["detector", "id"])
    .execute();
}
