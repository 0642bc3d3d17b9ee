import type { Kysely } from "kysely";
import type { JsonObject } from "../../core/json.js";
import { fromJsonText } from "../json.js";
import type { Database } from "../schema.js";

/** What grouping findings into incidents reads of a stored anomaly: who, when, how strong, what it says. */
export interface WindowAnomaly {
  id: number;
  detector: string;
  key: string;
  timestamp: string;
  /** A merged repeat's latest occurrence (equal to `timestamp` for a one-off). */
  lastSeen: string;
  score: number;
  features: JsonObject;
  summary: string;
}

/**
 * Anomalies whose `timestamp` is in [since, until), newest first, at most `max` (one more is read, to tell
 * the caller the window held more). Served by the `timestamp` index.
 */
export async function anomaliesBetween(
  db: Kysely<Database>,
  since: string,
  until: string,
  max: number,
): Promise<{ anomalies: WindowAnomaly[]; more: boolean }> {
  const rows = await db
    .selectFrom("anomalies")
    .select(["id", "agent_name", "key", "timestamp", "last_seen", "confidence", "features", "description"])
    .where("timestamp", ">=", since)
    .where("timestamp", "<", until)
    .orderBy("timestamp", "desc")
    .orderBy("id", "desc")
    .limit(max + 1)
    .execute();
  const anomalies = rows.slice(0, max).map((r) => ({
    id: Number(r.id),
    detector: r.agent_name,
    key: r.key,
    timestamp: r.timestamp,
    lastSeen: r.last_seen,
    score: Number(r.confidence),
    features: fromJsonText<JsonObject>(r.features, {}),
    summary: r.description ?? `${r.agent_name} on ${r.key}`,
  }));
  return { anomalies, more: rows.length > max };
}
