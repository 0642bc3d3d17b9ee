import type { JsonObject } from "../core/json.js";
import type { HasuraDb } from "./tables.js";

/** One history entry (contract §4.7.1): the record and its own `timestamp`, or when it was seen. */
export interface HistoryEntry {
  data: JsonObject;
  timestamp: string;
}

export interface StoredEntry {
  /** `historical_records.id`; null until saved. */
  id: number | null;
  entry: HistoryEntry;
}

export interface History {
  dataId: number | null;
  entries: StoredEntry[];
}

/** What changed in a history since it was loaded, written by `saveHistory` in one transaction. */
export interface HistoryChanges {
  added: HistoryEntry[];
  removedIds: number[];
}

const INSERT_CHUNK = 500;

async function dataIdOf(db: HasuraDb, queryId: string): Promise<number | null> {
  const row = await db
    .selectFrom("historical_data")
    .select("id")
    .where("query_id", "=", queryId)
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

function parseEntry(text: string): HistoryEntry | null {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const v = value as Record<string, unknown>;
    return { data: v.data as JsonObject, timestamp: typeof v.timestamp === "string" ? v.timestamp : "" };
  } catch {
    return null;
  }
}

/** The history of a query hash in insertion order (an unknown hash has none). */
export async function loadHistory(db: HasuraDb, queryId: string): Promise<History> {
  const dataId = await dataIdOf(db, queryId);
  if (dataId === null) return { dataId, entries: [] };
  const rows = await db
    .selectFrom("historical_records")
    .select(["id", "record_data"])
    .where("historical_data_id", "=", dataId)
    .orderBy("id")
    .execute();
  const entries: StoredEntry[] = [];
  for (const row of rows) {
    const entry = parseEntry(row.record_data);
    if (entry) entries.push({ id: Number(row.id), entry });
  }
  return { dataId, entries };
}

/**
 * Persists a history (contract §4.7.1: "replace all entries"). Only the difference is written: the
 * result is the same as replacing every row, without rewriting up to MAX_HISTORICAL_RECORDS rows per
 * request.
 */
export async function saveHistory(
  db: HasuraDb,
  queryId: string,
  changes: HistoryChanges,
  now: string,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    let dataId = await dataIdOf(tx, queryId);
    if (dataId === null) {
      const row = await tx
        .insertInto("historical_data")
        .values({ query_id: queryId, record_count: 0, last_updated: now, created_at: now })
        .returning("id")
        .executeTakeFirstOrThrow();
      dataId = Number(row.id);
    }
    for (let i = 0; i < changes.removedIds.length; i += INSERT_CHUNK) {
      await tx
        .deleteFrom("historical_records")
        .where("id", "in", changes.removedIds.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    for (let i = 0; i < changes.added.length; i += INSERT_CHUNK) {
      const id = dataId;
      await tx
        .insertInto("historical_records")
        .values(
          changes.added.slice(i, i + INSERT_CHUNK).map((entry) => ({
            historical_data_id: id,
            record_data: JSON.stringify(entry),
            last_updated: now,
            created_at: now,
          })),
        )
        .execute();
    }
    const count = await tx
      .selectFrom("historical_records")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("historical_data_id", "=", dataId)
      .executeTakeFirstOrThrow();
    await tx
      .updateTable("historical_data")
      .set({ record_count: Number(count.n), last_updated: now })
      .where("id", "=", dataId)
      .execute();
  });
}

/** Empties a history; its `historical_data` row stays with `record_count` 0 (contract §4.10). */
export async function clearHistory(db: HasuraDb, queryId: string, now: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const ids = tx.selectFrom("historical_data").select("id").where("query_id", "=", queryId);
    await tx.deleteFrom("historical_records").where("historical_data_id", "in", ids).execute();
    await tx
      .updateTable("historical_data")
      .set({ record_count: 0, last_updated: now })
      .where("query_id", "=", queryId)
      .execute();
  });
}

export async function countHistory(db: HasuraDb, queryId: string): Promise<number> {
  const dataId = await dataIdOf(db, queryId);
  if (dataId === null) return 0;
  const row = await db
    .selectFrom("historical_records")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("historical_data_id", "=", dataId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
