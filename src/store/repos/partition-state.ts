import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import { type Kysely, sql } from "kysely";
import type { JsonValue } from "../../core/json.js";
import { fromJsonText, toJsonText } from "../json.js";
import { likeLiteral } from "../like.js";
import type { Database } from "../schema.js";

/** One partition's saved state and the batch it includes everything up to. */
export interface PartitionStateRow {
  partition: string;
  value: JsonValue;
  batchId: number;
}

/**
 * Writes (or replaces) the given partitions' state rows; partitions not given are left as they are. `pack`:
 * large rows are stored compressed (`stateColumns`); without it every row is text, read back the same.
 */
export async function savePartitionStates(
  db: Kysely<Database>,
  rows: readonly { partition: string; value: unknown; batchId: number }[],
  now: string,
  pack = true,
): Promise<void> {
  // One statement per row: a row can run to megabytes (a stream's templates), and encoding it once here
  // keeps a batch of them from holding every text at once.
  for (const r of rows) {
    const text = toJsonText(r.value);
    const { value, packed } = pack ? stateColumns(text) : { value: text, packed: null };
    await db
      .insertInto("partition_state")
      .values({ partition: r.partition, value, packed, batch_id: r.batchId, updated_at: now })
      .onConflict((oc) =>
        oc.column("partition").doUpdateSet({ value, packed, batch_id: r.batchId, updated_at: now }),
      )
      .execute();
  }
}

/**
 * Rows from this size on are stored compressed. The detectors' shared row, keyed by the addresses and
 * users seen, was a ninth of a 1M-line data dir as JSON text (bench:store --data-dir). From 2 KB, because
 * PostgreSQL compresses a text value past about 2 KB itself (TOAST's pglz), on the one server every node
 * shares, and more slowly than brotli's quality 1 here: upserting a row of 3, 6 and 11 thousand characters
 * of detector-state JSON cost PostgreSQL 195, 300 and 425 µs of CPU as text, 155, 185 and 200 µs
 * compressed, for 35 to 65 µs of brotli on the node. A cluster partition writes about 46 such rows per
 * 1,000 lines. Smaller rows are left as text: PostgreSQL does not compress those.
 */
const PACK_FROM_CHARS = 2 * 1024;
/**
 * Brotli's quality 1: a saved row is written every few seconds, and on a cluster node with each
 * partition's batch, so speed comes first; JSON of addresses and counts still shrinks several times.
 */
const PACK_OPTIONS = { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } };

/** How a row's JSON text is stored: as text, or compressed in `packed` when large. */
function stateColumns(text: string): { value: string; packed: Uint8Array | null } {
  if (text.length < PACK_FROM_CHARS) return { value: text, packed: null };
  return { value: "", packed: brotliCompressSync(Buffer.from(text, "utf8"), PACK_OPTIONS) };
}

/** A row's JSON text, from whichever column holds it. */
function stateText(r: { value: string; packed: Uint8Array | null }): string {
  return r.packed ? brotliDecompressSync(r.packed).toString("utf8") : r.value;
}

/** The saved state of the given partitions, or of every partition when none are named. */
export async function loadPartitionStates(
  db: Kysely<Database>,
  partitions?: readonly string[],
): Promise<PartitionStateRow[]> {
  if (partitions?.length === 0) return [];
  let q = db.selectFrom("partition_state").select(["partition", "value", "packed", "batch_id"]);
  if (partitions) q = q.where("partition", "in", partitions);
  const rows = await q.orderBy("partition").execute();
  return rows.map((r) => stateRow(r, r.partition));
}

/** A `partition_state` row as the pipeline reads it, under the name it is known by. */
function stateRow(
  r: { value: string; packed: Uint8Array | null; batch_id: number | bigint | string },
  partition: string,
): PartitionStateRow {
  return { partition, value: fromJsonText<JsonValue>(stateText(r), null), batchId: Number(r.batch_id) };
}

/**
 * The saved state of the rows whose names start with `prefix`, named without it (a cluster partition's rows,
 * `cluster/p7/…`), or with `under` false, of every row that does not (a node's own pipeline). Filtered in the
 * query: a node taking one partition reads that partition's rows, not every partition's.
 */
export async function loadPartitionStatesUnder(
  db: Kysely<Database>,
  prefix: string,
  under = true,
): Promise<PartitionStateRow[]> {
  const pattern = `${likeLiteral(prefix)}%`;
  const rows = await db
    .selectFrom("partition_state")
    .select(["partition", "value", "packed", "batch_id"])
    .where(
      sql<boolean>`${sql.ref("partition")} ${sql.raw(under ? "like" : "not like")} ${pattern} escape '\\'`,
    )
    .orderBy("partition")
    .execute();
  return rows.map((r) => stateRow(r, under ? r.partition.slice(prefix.length) : r.partition));
}
