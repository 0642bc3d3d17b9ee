import { SealRaceError } from "./sealer.js";
import type { SegmentLogStore } from "./segment-log-store.js";

/** What a sealing loop reports: what it sealed and what failed (the batches stay and are sealed later). */
export type SealReport =
  | { type: "sealed"; batches: number; segments: number; lines: number }
  | { type: "failed"; message: string };

/**
 * Seals whenever a seal is due, going on at once while a backlog remains (a seal takes at most four
 * segments' worth) and looking again every `checkMs` otherwise, until `stop` is aborted; the seal under
 * way finishes first. One loop for the sealing thread (seal-worker.ts) and for the event-loop fallback
 * (src/runtime/open-log-store.ts). A seal lost to another node's sealer (`SealRaceError`) is no failure:
 * those batches are sealed, and it looks again at once.
 */
export async function sealUntilStopped(
  logs: Pick<SegmentLogStore, "sealIfDue">,
  checkMs: number,
  stop: AbortSignal,
  report: (r: SealReport) => void,
): Promise<void> {
  while (!stop.aborted) {
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
