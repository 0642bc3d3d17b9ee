import type { Kysely } from "kysely";
import type { Store } from "./db.js";
import { countLogs } from "./repos/logs.js";
import { loadState, saveState } from "./repos/state.js";
import type { Database } from "./schema.js";
import { segmentsInUse } from "./segments/table-conversion.js";

/** Where a database keeps its log lines: the `logs` table, or template-columnar segments. */
export type LogEngine = "table" | "segments";

/** The `state` key recording which store a database serves (migration 022 writes it first). */
export const LOG_STORE_STATE_KEY = "log_store";

/** The store this database recorded, or undefined when it recorded none (or something unreadable). */
export async function recordedLogEngine(db: Kysely<Database>): Promise<LogEngine | undefined> {
  const value = await loadState(db, LOG_STORE_STATE_KEY);
  const engine =
    value !== null && typeof value === "object" && !Array.isArray(value) ? value.engine : undefined;
  return engine === "table" || engine === "segments" ? engine : undefined;
}

/** Records `engine` as the store this database serves, when it is not recorded already. */
export async function recordLogEngine(db: Kysely<Database>, engine: LogEngine): Promise<void> {
  if ((await recordedLogEngine(db)) === engine) return;
  await saveState(db, LOG_STORE_STATE_KEY, { engine }, new Date().toISOString());
}

/**
 * The store a database serves: `configured` (`LOG_STORE`) when set; else `segments` when it holds any
 * (the table cannot take over from them); else the one it recorded (migration 022: `segments` for a new
 * database, `table` for one that held the table before segments became the default; then whichever a start
 * with `LOG_STORE` set last served); else, without a record, `table` when `logs` holds lines, `segments`
 * when it holds none.
 */
export async function resolveLogEngine(store: Store, configured: LogEngine | undefined): Promise<LogEngine> {
  if (configured !== undefined) return configured;
  if (await segmentsInUse(store)) return "segments";
  const recorded = await recordedLogEngine(store.db);
  if (recorded !== undefined) return recorded;
  return (await countLogs(store.db)) > 0 ? "table" : "segments";
}
