import { sql } from "kysely";
import type { StoreScope } from "../db.js";
import { type ByteRange, checkRange, type SegmentBytes, SegmentObjectUnreadable } from "./segment-bytes.js";

/** A segment row's bytes column (whole, or the range asked) and the object it names, if any. */
export interface SegmentRowBytes {
  data: Uint8Array;
  objectKey: string | null;
}

/**
 * Segment `id`'s row: `data` (only `range` of it, cut by the database, so a range costs no more than it
 * holds) and `object_key`; undefined when the row is gone.
 */
export async function readSegmentRow(
  scope: StoreScope,
  id: number,
  range?: ByteRange,
): Promise<SegmentRowBytes | undefined> {
  const row = await scope.db
    .selectFrom("log_segments")
    .select([
      // substr counts from 1, on a blob (SQLite) and a bytea (PostgreSQL) alike, and stops at the end.
      range === undefined
        ? "data"
        : sql<Uint8Array>`substr(data, ${range.offset + 1}, ${range.length})`.as("data"),
      "object_key",
    ])
    .where("id", "=", id)
    .executeTakeFirst();
  return row && { data: row.data, objectKey: row.object_key };
}

/**
 * The default: a segment's bytes in its own row's `data`, written in the transaction that commits the
 * row, exactly as before object storage existed. Nothing is written apart from the row, so nothing can be
 * orphaned and there is nothing to delete or collect. A row that names an object (sealed while the store
 * was configured for S3) is refused with the setting to change, not read as an empty segment.
 */
export function databaseSegmentBytes(): SegmentBytes {
  return {
    kind: "database",
    put: async (_firstRef, bytes) => ({ data: bytes, objectKey: null }),
    async get(scope, id, range) {
      checkRange(range);
      if (range?.length === 0) return new Uint8Array(0);
      const row = await readSegmentRow(scope, id, range);
      if (!row) return null;
      if (row.objectKey !== null) throw new SegmentObjectUnreadable(id, row.objectKey);
      return row.data;
    },
    async delete(objectKeys) {
      // Rows that named objects were dropped (retention) by a process that cannot reach the bucket: the
      // objects stay until a process configured for it collects them as orphans.
      void objectKeys;
    },
    collectOrphans: async () => ({ listed: 0, deleted: 0 }),
    probe: async () => {},
  };
}
