import { afterAll, describe, it } from "vitest";
import { runCrashHarness } from "./crash-harness.js";
import { expectDurable } from "./expect-durable.js";
import { killsPerRun } from "./kills.js";
import { type ProbeTarget, sqliteTarget } from "./store-probe.js";

// Issue 17, item 1: kill -9 at random moments, during state saves and retention sweeps (docs/reliability.md).
describe("crash durability on SQLite: kill -9 while ingesting, restart on the same file", () => {
  let target: ProbeTarget | undefined;
  afterAll(async () => {
    await target?.cleanup();
  });

  it("loses and duplicates no acknowledged line, and restores templates and state", async () => {
    target = sqliteTarget();
    const kills = killsPerRun(10);
    expectDurable(
      await runCrashHarness(target, { kills, senders: 2, linesPerBatch: 200, linesPerLargeBatch: 1_000 }),
      kills,
    );
  }, 170_000);
});
