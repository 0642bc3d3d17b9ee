import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/**
 * How far the background threads (the segment store's, building batch rows and sealing, and the ingest
 * decode threads) lower their priority below the event loop's, which mines and detects every line and
 * answers every request.
 *
 * Under bench:ingest's load on two cores the event loop was runnable but waiting for a core 17–18 % of
 * the time (`/proc/<pid>/task/<tid>/schedstat`), behind these threads, libuv's pool, V8's collector threads
 * and the load generator; with these two threads 10 lower it waited 12–13 %, and `serve` took 1.03× the
 * lines/s (4 alternated pairs of 15 s; 1.08× more with the seal compressing inline, docs/architecture.md).
 * Their work is not lost, only scheduled after the event loop's: sealing catches up whenever the event
 * loop waits.
 */
export const BACKGROUND_NICENESS_STEP = 10;

/**
 * Adds `step` to the calling thread's nice value (at most 19), from whatever the process was started
 * with. On Linux a thread has a nice value of its own, set through its thread id (`/proc/thread-self`
 * names it) as `setpriority` sets a process's; raising it needs no privilege. Elsewhere, or if it fails,
 * the thread keeps its priority: this only orders who runs first, so nothing depends on it. Returns
 * whether it took effect.
 */
export function lowerThisThreadPriority(step = BACKGROUND_NICENESS_STEP): boolean {
  if (process.platform !== "linux") return false;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(19, getPriority(tid) + step));
    return true;
  } catch {
    return false;
  }
}
