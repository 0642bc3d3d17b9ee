import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.js";

/** Stored `sigma` findings by UTC day of their time (`timestamp`, first seen) and key, from `since` on. */
export async function sigmaFindingsByDayAndKey(
  db: Kysely<Database>,
  since: string,
): Promise<{ day: string; key: string; findings: number }[]> {
  const day = sql<string>`substr(${sql.ref("timestamp")}, 1, 10)`;
  const rows = await db
    .selectFrom("anomalies")
    .select([day.as("day"), "key", (eb) => eb.fn.countAll<number | string>().as("findings")])
    .where("agent_name", "=", "sigma")
    .where("timestamp", ">=", since)
    .groupBy([day, "key"])
    .execute();
  return rows.map((r) => ({ day: r.day, key: r.key, findings: Number(r.findings) }));
}
