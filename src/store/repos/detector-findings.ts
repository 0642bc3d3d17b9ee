import type { Kysely } from "kysely";
import type { Database } from "../schema.js";

/**
 * Stored findings per detector whose time (`timestamp`, first seen) falls within `since`..`until` (ISO,
 * inclusive), optionally of one detector. A finding counts once however many repeats merged into it.
 * Counted in the database (the `(agent_name, timestamp, id)` index serves the one-detector form).
 */
export async function findingsPerDetector(
  db: Kysely<Database>,
  window: { since: string; until: string; detector?: string },
): Promise<{ detector: string; findings: number }[]> {
  let q = db
    .selectFrom("anomalies")
    .select(["agent_name", (eb) => eb.fn.countAll<number | string>().as("n")])
    .where("timestamp", ">=", window.since)
    .where("timestamp", "<=", window.until);
  if (window.detector !== undefined) q = q.where("agent_name", "=", window.detector);
  const rows = await q.groupBy("agent_name").execute();
  return rows.map((r) => ({ detector: r.agent_name, findings: Number(r.n) }));
}
