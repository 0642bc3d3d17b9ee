import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import pino from "pino";
import { loadConfig } from "../../src/config/load.js";
import type { LogPosition } from "../../src/core/log-store.js";
import { openLogStore } from "../../src/runtime/open-log-store.js";
import { openStore } from "../../src/store/db.js";

/** Which log store a bench deployment's nodes run (LOG_STORE): what its counts must read. */
export type BenchLogStore = "table" | "segments";

export function benchLogStore(value: string | undefined): BenchLogStore {
  const store = value ?? "segments";
  if (store !== "table" && store !== "segments")
    throw new Error(`BENCH_CLUSTER_STORE=${store}: expected segments (the default store) or table`);
  return store;
}

/**
 * Lines stored in a deployment's database, cheaply enough to poll: the `logs` table's rows, or the
 * segment store's lines (its unsealed batches and its sealed segments each record their line count; a
 * seal deletes the batches it merged in the transaction that inserts the segment).
 */
export async function storedLineCount(pool: pg.Pool, store: BenchLogStore): Promise<number> {
  const query =
    store === "table"
      ? "select count(*) as n from logs"
      : `select coalesce((select sum(count) from log_batches), 0)
              + coalesce((select sum(count) from log_segments), 0) as n`;
  const { rows } = await pool.query<{ n: string }>(query);
  return Number(rows[0]!.n);
}

/**
 * Reads a segment store's lines through the store itself, as a node beside the servers would (no upkeep:
 * it seals and sweeps nothing), for what needs each line: how many copies of each `bench_id` are stored,
 * and lines per service.
 */
export async function readSegmentLines(url: string): Promise<{
  copies: Map<number | null, number>;
  perService: Map<string, number>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), "logwarden-bench-read-"));
  const config = loadConfig({
    env: { DATABASE_URL: url, DATA_DIR: dataDir, LOG_STORE: "segments", LOG_READ_THREADS: "0" },
  });
  const store = openStore({ url });
  try {
    const opened = await openLogStore(config, store, pino({ level: "silent" }), { upkeep: false });
    try {
      const copies = new Map<number | null, number>();
      let after: LogPosition | undefined;
      for (;;) {
        const page = await opened.logs.search({}, { limit: 20_000, after });
        for (const r of page) {
          const id = r.attributes.bench_id;
          const key = typeof id === "number" ? id : null;
          copies.set(key, (copies.get(key) ?? 0) + 1);
        }
        const last = page.at(-1);
        if (!last || page.length < 20_000) break;
        after = { timestamp: last.timestamp, ref: last.ref };
      }
      const counts = await opened.logs.countBy({}, "service", 100_000);
      return { copies, perService: new Map(counts.map((c) => [c.value, c.count])) };
    } finally {
      await opened.stop();
    }
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
