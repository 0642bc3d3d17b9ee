/**
 * bench:ingest's load on a running `serve` (`startServer`/`withServer`), shared with `bench/serve-ab.ts`:
 * autocannon posts the NDJSON bodies on a few connections, first for a warm-up that is not counted, then
 * for the measured seconds, and the lines stored in between are read from the database file itself.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import autocannon from "autocannon";
import SQLite from "better-sqlite3";
import { processCpuSecs } from "./ingest-server.js";

export type LogStoreName = "table" | "segments";

/** Lines stored so far, and (segments) those still in batch rows, not sealed yet. */
export function storedLines(db: SQLite.Database, store: LogStoreName): { stored: number; unsealed: number } {
  if (store === "table")
    return { stored: (db.prepare("select count(*) as n from logs").get() as { n: number }).n, unsealed: 0 };
  const sum = (t: string) =>
    (db.prepare(`select coalesce(sum(count), 0) as n from ${t}`).get() as { n: number }).n;
  const unsealed = sum("log_batches");
  return { stored: sum("log_segments") + unsealed, unsealed };
}

export interface LoadOptions {
  store: LogStoreName;
  bodies: readonly string[];
  connections: number;
  warmupSecs: number;
  secs: number;
}

export interface LoadFigures {
  /** Lines stored during the measured load. */
  stored: number;
  /** Lines stored in all, the warm-up's included. */
  storedInAll: number;
  /** Lines still in batch rows when the load stopped (segments). */
  unsealed: number;
  linesPerSec: number;
  /** The server's CPU (all threads) per line stored during the measured load. */
  cpuUsPerLine: number | null;
  non2xx: number;
  p99: number;
}

/** Loads the server at `url` (its process `child`, its files in `dataDir`) and measures what it stored. */
export async function measureIngest(
  server: { child: ChildProcess; url: string; dataDir: string },
  o: LoadOptions,
): Promise<LoadFigures> {
  let i = 0;
  const load = (duration: number) =>
    autocannon({
      url: `${server.url}/ingest`,
      connections: o.connections,
      duration,
      method: "POST",
      headers: { authorization: "Bearer bench-admin", "content-type": "application/x-ndjson" },
      requests: [{ setupRequest: (req) => ({ ...req, body: o.bodies[i++ % o.bodies.length]! }) }],
    });
  // The same load first, not counted: the server's code is compiled and its caches filled by then, as
  // they are on a server that has run for more than a few seconds.
  if (o.warmupSecs > 0) await load(o.warmupSecs);
  const db = new SQLite(join(server.dataDir, "logwarden.db"), { readonly: true });
  try {
    const before = storedLines(db, o.store).stored;
    const cpu0 = processCpuSecs(server.child.pid);
    const t0 = performance.now();
    const result = await load(o.secs);
    const secs = (performance.now() - t0) / 1000;
    const cpu1 = processCpuSecs(server.child.pid);
    const { stored: storedInAll, unsealed } = storedLines(db, o.store);
    const stored = storedInAll - before;
    return {
      stored,
      storedInAll,
      unsealed,
      linesPerSec: stored / secs,
      cpuUsPerLine: cpu0 !== null && cpu1 !== null && stored > 0 ? ((cpu1 - cpu0) * 1e6) / stored : null,
      non2xx: result.non2xx,
      p99: result.latency.p99,
    };
  } finally {
    db.close();
  }
}
