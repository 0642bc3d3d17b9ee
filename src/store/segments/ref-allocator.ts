import { sql } from "kysely";
import type { StoreScope } from "../db.js";

/**
 * Reserves `count` consecutive references and returns the first: one statement that raises
 * `log_refs.last_ref` (migration 016) by `count`, starting above the greatest id the `logs` table issued,
 * so a file that ran the table store keeps its old references for its old lines. One statement, so a
 * batch's references are consecutive, which segments need (record i is first reference + i); a sequence's
 * `nextval` hands out one value at a time, and n calls would interleave with other writers'.
 *
 * `scope` is where the row is raised. On SQLite, the batch's own transaction (the write transaction holds
 * the file from `BEGIN IMMEDIATE` anyway; a rolled-back batch's references are issued again). On
 * PostgreSQL, the store itself: the statement commits on its own and holds the row's lock only while it
 * runs. In the batch's transaction the lock was held from the append to the commit, mining and detection
 * included, so every writer of every node waited on that one row. A batch that then rolls back leaves its
 * references unused: a gap, which nothing reads (references order records within a batch and segment,
 * and ties of equal times; no reader walks them expecting every number).
 */
export async function allocateRefs(scope: StoreScope, count: number): Promise<number> {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError("count must be a positive integer");
  // Portable SQL (no greatest()/max(a, b), which the two databases spell differently).
  const { rows } = await sql<{ last_ref: number | string }>`
    update log_refs set last_ref = (
      case when last_ref >= (select coalesce(max(id), 0) from logs) then last_ref
           else (select coalesce(max(id), 0) from logs) end
    ) + ${count}
    where id = 1
    returning last_ref`.execute(scope.db);
  const last = Number(rows[0]?.last_ref);
  if (!Number.isSafeInteger(last)) throw new Error("log_refs has no row: is migration 016 applied?");
  return last - count + 1;
}
