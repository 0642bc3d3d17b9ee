import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { runCrashHarness } from "./crash-harness.js";
import { expectDurable } from "./expect-durable.js";
import { killsPerRun } from "./kills.js";
import { type ProbeTarget, segmentsTarget } from "./store-probe.js";

// Issue 18: the segment store keeps issue 17's promise. kill -9 lands during appends, seals, state saves
// and sweeps (1,000-line segments sealed after a second), and every restart reopens the same file.
describe("crash durability on SQLite with LOG_STORE=segments: kill -9 while ingesting and sealing", () => {
  let target: ProbeTarget | undefined;
  afterAll(async () => {
    await target?.cleanup();
  });

  it("loses and duplicates no acknowledged line, and restores templates and state", async () => {
    target = segmentsTarget();
    const file = join(target.dataDir, "logwarden.db");
    const kills = killsPerRun(10);
    const report = await runCrashHarness(target, {
      kills,
      senders: 2,
      linesPerBatch: 200,
      linesPerLargeBatch: 1_000,
      settle: () => sealingDone(file),
    });
    expectDurable(report, kills);
    // The lines went through seals, not only into batches: once the last life has sealed what was left
    // (by age, LOG_SEAL_AFTER_SECS), every acknowledged line is in a segment. Counting segments against a
    // fixed number instead failed on a loaded machine, where fewer lines were sent in the same time.
    const db = new Database(file, { readonly: true });
    const sealed = db.prepare("select count(*) as n, sum(count) as lines from log_segments").get() as {
      n: number;
      lines: number;
    };
    db.close();
    console.log(
      `[reliability] segments sealed: ${sealed.n} segments, ${sealed.lines} lines; ${report.acknowledgedLines} acknowledged`,
    );
    expect(unsealedLines(file)).toBe(0);
    expect(sealed.lines).toBeGreaterThanOrEqual(report.acknowledgedLines);
    expect(sealed.n).toBeGreaterThan(1);
  }, 170_000);
});

/** Lines still in batch rows, not yet sealed into segments. */
function unsealedLines(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("select coalesce(sum(count), 0) as n from log_batches").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Waits, up to a minute, until the running server has sealed every batch row. */
async function sealingDone(file: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (unsealedLines(file) > 0 && Date.now() < deadline) await sleep(100);
}
