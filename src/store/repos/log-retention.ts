import type { Store } from "../db.js";

/** Rows one retention transaction deletes from `logs`: short transactions, so ingest waits little. */
const CHUNK_ROWS = 5_000;

/**
 * Retention for the `logs` table: deletes the lines whose record time is before `time`, oldest first,
 * `CHUNK_ROWS` a transaction (SQLite's full-text triggers delete each line's index entry with it), and
 * yields to the event loop between chunks. Returns the lines deleted.
 */
export async function deleteLogsBefore(store: Store, time: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const n = await store.transaction(async (tx) => {
      const ids = await tx.db
        .selectFrom("logs")
        .select("id")
        .where("timestamp", "<", time)
        .orderBy("timestamp")
        .limit(CHUNK_ROWS)
        .execute();
      if (ids.length === 0) return 0;
      const result = await tx.db
        .deleteFrom("logs")
        .where(
          "id",
          "in",
          ids.map((r) => r.id),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
    deleted += n;
    if (n < CHUNK_ROWS) return deleted;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
