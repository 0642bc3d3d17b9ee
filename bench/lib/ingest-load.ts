/**
 * bench:ingest's load on a running `serve` (`startServer`/`withServer`), shared with `bench/serve-ab.ts`:
 * autocannon posts the NDJSON bodies on a few connections, first for a warm-up that is not counted, then
 * for the measured seconds, and the lines stored in between are read from the database file itself.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
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
  /**
   * Counts sealing in full: the measured load starts once the warm-up's lines are sealed, and its CPU is
   * read once its own are (bodies whose lines the seal thread takes longer over than the event loop: the
   * lines left unsealed at the end would otherwise carry their sealing out of the figure).
   */
  untilSealed?: boolean;
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
    if (o.untilSealed) await sealed(db, o.store);
    const before = storedLines(db, o.store).stored;
    const cpu0 = processCpuSecs(server.child.pid);
    const t0 = performance.now();
    const result = await load(o.secs);
    // With `untilSealed`, lines per second are sustained ones: until the last of them is sealed.
    if (o.untilSealed) await sealed(db, o.store);
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

/** Waits (up to 5 minutes) until no stored line waits for sealing. */
async function sealed(db: SQLite.Database, store: LogStoreName): Promise<void> {
  const until = performance.now() + 300_000;
  while (storedLines(db, store).unsealed > 0) {
    if (performance.now() > until) throw new Error("sealing did not catch up within 5 minutes");
    await sleep(500);
  }
}
