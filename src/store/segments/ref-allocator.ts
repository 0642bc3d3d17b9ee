import { sql } from "kysely";
import type { StoreTransaction } from "../db.js";

/**
 * Reserves `count` consecutive references in the caller's transaction and returns the first: one
 * statement that raises `log_refs.last_ref` (migration 016) by `count`, starting above the greatest id
 * the `logs` table issued, so a file that ran the table store keeps its old references for its old lines.
 *
 * The row update is the lock. On SQLite the write transaction holds the file from `BEGIN IMMEDIATE`. On
 * PostgreSQL the updated row stays locked until the caller's transaction ends, so a second writer waits
 * there and then reads the value the first committed (or the old one, if it rolled back: a rolled-back
 * batch's references are issued again, which is safe because nothing committed them). A sequence cannot
 * do this: `nextval` hands out one value at a time, and n calls interleave with other writers', so a
 * batch's references would not be consecutive, which segments need (record i is first reference + i).
 * The cost is that batches commit one at a time from their append on, which also makes reference order
 * commit order there.
 */
export async function allocateRefs(tx: StoreTransaction, count: number): Promise<number> {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError("count must be a positive integer");
  // Portable SQL (no greatest()/max(a, b), which the two databases spell differently).
  const { rows } = await sql<{ last_ref: number | string }>`
    update log_refs set last_ref = (
      case when last_ref >= (select coalesce(max(id), 0) from logs) then last_ref
           else (select coalesce(max(id), 0) from logs) end
    ) + ${count}
    where id = 1
    returning last_ref`.execute(tx.db);
  const last = Number(rows[0]?.last_ref);
  if (!Number.isSafeInteger(last)) throw new Error("log_refs has no row: is migration 016 applied?");
  return last - count + 1;
}
