import { describe, expect, it } from "vitest";
import { type SealReport, sealUntilStopped } from "../../../src/store/segments/seal-loop.js";
import { SealRaceError, type SealResult } from "../../../src/store/segments/sealer.js";

describe("sealUntilStopped", () => {
  it("seals while a backlog remains, skips a lost race, reports failures, and stops when aborted", async () => {
    const stop = new AbortController();
    const outcomes: (() => SealResult | null)[] = [
      () => ({ batches: 2, segments: 1, lines: 100 }),
      () => {
        throw new SealRaceError();
      },
      () => {
        throw new Error("disk full");
      },
      () => ({ batches: 1, segments: 1, lines: 10 }),
      () => null,
    ];
    const calls: number[] = [];
    const reports: SealReport[] = [];
    const t0 = Date.now();
    const logs = {
      async sealIfDue() {
        calls.push(Date.now() - t0);
        const next = outcomes.shift();
        if (!next) {
          stop.abort();
          return null;
        }
        return next();
      },
    };
    await sealUntilStopped(logs, 500, stop.signal, (r) => reports.push(r));
    expect(reports).toEqual([
      { type: "sealed", batches: 2, segments: 1, lines: 100 },
      { type: "failed", message: "disk full" },
      { type: "sealed", batches: 1, segments: 1, lines: 10 },
    ]);
    // 100 sealed → again at once; race → again at once; failure → waits; 10 sealed → at once; null → waits.
    expect(calls).toHaveLength(6);
    expect(calls[2]! - calls[0]!).toBeLessThan(250);
    expect(calls[3]! - calls[2]!).toBeGreaterThanOrEqual(450);
  });

  it("collects orphan segment objects at its start and every orphanCheckMs, reporting deletions and failures", async () => {
    const stop = new AbortController();
    const sweeps: (() => { listed: number; deleted: number })[] = [
      () => ({ listed: 4, deleted: 2 }),
      () => {
        throw new Error("bucket unreachable");
      },
      () => ({ listed: 2, deleted: 0 }),
    ];
    const reports: SealReport[] = [];
    let seals = 0;
    const logs = {
      async sealIfDue() {
        seals++;
        return null;
      },
      async collectOrphans() {
        const next = sweeps.shift()!;
        if (sweeps.length === 0) stop.abort();
        return next();
      },
    };
    // Checks every 20 ms, collects every 50 ms: three collections, with seals between them.
    await sealUntilStopped(logs, 20, stop.signal, (r) => reports.push(r), 50);
    expect(reports).toEqual([
      { type: "collected", listed: 4, deleted: 2 },
      { type: "collect-failed", message: "bucket unreachable" },
    ]);
    expect(seals).toBeGreaterThanOrEqual(3);
  });
});
