import { median } from "./judge.js";

/** How one list route answered over the run: does its cost grow with the data behind it? */
export interface ReadSummary {
  /** The read's path and query, its search word shown as `…` (so one route per kind of read). */
  route: string;
  count: number;
  /** Median latency of its reads in the first third of the run. */
  firstThirdMedianMs: number;
  /** Median latency of its reads in the last third: compared with the first, the growth the store caused. */
  lastThirdMedianMs: number;
  maxMs: number;
}

/**
 * Latency of every list read by route and time, so that a rising event-loop delay can be traced to the
 * read whose cost grows with the stored data (the store's queries run on the server's event loop).
 */
export class ReadTimings {
  readonly #byRoute = new Map<string, { t: number; ms: number }[]>();

  record(path: string, t: number, ms: number): void {
    const route = path.replace(/([?&]q=)[^&]*/, "$1…");
    const list = this.#byRoute.get(route) ?? [];
    list.push({ t, ms });
    this.#byRoute.set(route, list);
  }

  summary(totalSecs: number): ReadSummary[] {
    return [...this.#byRoute].map(([route, reads]) => {
      const first = reads.filter((r) => r.t < totalSecs / 3).map((r) => r.ms);
      const last = reads.filter((r) => r.t >= (2 * totalSecs) / 3).map((r) => r.ms);
      return {
        route,
        count: reads.length,
        firstThirdMedianMs: first.length ? median(first) : 0,
        lastThirdMedianMs: last.length ? median(last) : 0,
        maxMs: Math.max(...reads.map((r) => r.ms)),
      };
    });
  }
}
