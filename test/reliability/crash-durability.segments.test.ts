import { join } from "node:path";
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
    const kills = killsPerRun(10);
    expectDurable(
      await runCrashHarness(target, { kills, senders: 2, linesPerBatch: 200, linesPerLargeBatch: 1_000 }),
      kills,
    );
    // The lines went through seals, not only into batches.
    const db = new Database(join(target.dataDir, "logwarden.db"), { readonly: true });
    const sealed = db.prepare("select count(*) as n, sum(count) as lines from log_segments").get() as {
      n: number;
      lines: number;
    };
    db.close();
    console.log(`[reliability] segments sealed: ${sealed.n} segments, ${sealed.lines} lines`);
    expect(sealed.n).toBeGreaterThan(10);
  }, 170_000);
});
