import { SealRaceError } from "./sealer.js";
import type { SegmentLogStore } from "./segment-log-store.js";

/**
 * What a sealing loop reports: what it sealed, the orphan objects it deleted, and what failed (the batches
 * stay and are sealed later; orphans are looked for again later).
 */
export type SealReport =
  | { type: "sealed"; batches: number; segments: number; lines: number }
  | { type: "collected"; listed: number; deleted: number }
  | { type: "failed"; message: string }
  | { type: "collect-failed"; message: string };

/** How often the loop looks for orphan segment objects (segment-orphans.ts), after once at its start. */
export const ORPHAN_CHECK_MS = 10 * 60_000;

/**
 * Seals whenever a seal is due, going on at once while a backlog remains (a seal takes at most four
 * segments' worth) and looking again every `checkMs` otherwise, until `stop` is aborted; the seal under
 * way finishes first. One loop for the sealing thread (seal-worker.ts) and for the event-loop fallback
 * (src/runtime/open-log-store.ts). A seal lost to another node's sealer (`SealRaceError`) is no failure:
 * those batches are sealed, and it looks again at once.
 *
 * With segments in object storage, it also collects orphan objects (`collectOrphans`) at its start and
 * every `orphanCheckMs`, between seals: on SQLite that keeps the collector off a seal's PUT-to-commit.
 */
export async function sealUntilStopped(
  logs: Pick<SegmentLogStore, "sealIfDue"> & Partial<Pick<SegmentLogStore, "collectOrphans">>,
  checkMs: number,
  stop: AbortSignal,
  report: (r: SealReport) => void,
  orphanCheckMs = ORPHAN_CHECK_MS,
): Promise<void> {
  let orphansDue = 0;
  while (!stop.aborted) {
    if (logs.collectOrphans && Date.now() >= orphansDue) {
      orphansDue = Date.now() + orphanCheckMs;
      try {
        const sweep = await logs.collectOrphans(new Date());
        if (sweep.deleted > 0) report({ type: "collected", ...sweep });
      } catch (error) {
        report({ type: "collect-failed", message: error instanceof Error ? error.message : String(error) });
      }
    }
    let again = false;
    try {
      const result = await logs.sealIfDue(new Date());
      again = result !== null && result.lines > 0;
      if (result && again) report({ type: "sealed", ...result });
    } catch (error) {
      if (error instanceof SealRaceError) continue;
      report({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    }
    if (!again && !stop.aborted) await pause(checkMs, stop);
  }
}

/** Waits `ms`, or less when `stop` is aborted meanwhile. */
function pause(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener("abort", done);
  });
}
