import { sql } from "kysely";
import type { Store, StoreScope } from "../db.js";
import type { ObjectStore } from "./s3-objects.js";
import { SEAL_LOCK_KEY } from "./sealer.js";
import type { OrphanSweep } from "./segment-bytes.js";

/**
 * How old an object must be before the collector may delete it when no row names it: far longer than a
 * seal takes from its PUT to its commit (seconds), so an object whose row is about to commit is never
 * taken for an orphan, even where the seal's lock does not cover it (the `logs` table's conversion).
 */
export const DEFAULT_ORPHAN_GRACE_MS = 60 * 60_000;

/**
 * Deletes the objects under `prefix` that are older than `graceMs` and that no `log_segments` row names:
 * segments put by a seal (or a conversion) that never committed its row (a crash between the two, a seal
 * rolled back, a failed delete after retention). Listed a page at a time; each page's candidates are
 * checked against the catalogue and deleted together.
 *
 * On PostgreSQL the check and the delete hold the seal's advisory lock (`sealBatches`), which a seal holds
 * from before its PUT until its commit: no seal is between the two meanwhile, so a row committed after the
 * check cannot name an object deleted here, however long a stalled seal took. On SQLite the collector runs
 * on the connection that seals, between seals (`sealUntilStopped`); there the grace period alone stands
 * between a commit and the collector, as it does for a conversion on PostgreSQL.
 */
export async function collectOrphanObjects(
  store: Store,
  objects: ObjectStore,
  prefix: string,
  now: Date,
  graceMs: number,
): Promise<OrphanSweep> {
  const sweep: OrphanSweep = { listed: 0, deleted: 0 };
  for await (const page of objects.list(prefix)) {
    sweep.listed += page.length;
    const old = page.filter((o) => now.getTime() - o.lastModified.getTime() >= graceMs).map((o) => o.key);
    if (old.length > 0) sweep.deleted += await deleteUnnamed(store, objects, old);
  }
  return sweep;
}

/** Deletes those of `keys` that no row names (under the seal's lock on PostgreSQL); how many. */
async function deleteUnnamed(store: Store, objects: ObjectStore, keys: string[]): Promise<number> {
  const work = async (scope: StoreScope) => {
    const named = await namedKeys(scope, keys);
    const orphans = keys.filter((k) => !named.has(k));
    await objects.deleteMany(orphans);
    return orphans.length;
  };
  if (store.dialect.name !== "postgres") return work(store);
  return store.transaction(async (tx) => {
    // Waits for a seal under way (it holds the lock from before its PUT to its commit), keyed as it is.
    await sql`select pg_advisory_xact_lock(${SEAL_LOCK_KEY}, hashtext(current_schema()))`.execute(tx.db);
    return work(tx);
  });
}

/** Which of `keys` a segment row names. */
async function namedKeys(scope: StoreScope, keys: readonly string[]): Promise<Set<string>> {
  const named = new Set<string>();
  // In parts: SQLite takes at most 32,766 parameters in a statement, older builds 999.
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await scope.db
      .selectFrom("log_segments")
      .select("object_key")
      .where("object_key", "in", keys.slice(i, i + 500))
      .execute();
    for (const r of rows) if (r.object_key !== null) named.add(r.object_key);
  }
  return named;
}
