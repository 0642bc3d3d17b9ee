import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import { type StoredAnomaly, toStoredAnomaly } from "./anomalies.js";

/** Full anomalies for ids from a listing, in the order of `ids` (ids with no row are skipped). */
export async function getAnomaliesByIds(
  db: Kysely<Database>,
  ids: readonly number[],
): Promise<StoredAnomaly[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("anomalies")
    .selectAll()
    .where("id", "in", [...ids])
    .execute();
  const byId = new Map(rows.map((r) => [Number(r.id), toStoredAnomaly(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
