import { afterAll, describe, expect, it } from "vitest";
import { postgresAvailable } from "../helpers/stores.js";
import { runCrashHarness } from "./crash-harness.js";
import { expectDurable } from "./expect-durable.js";
import { killsPerRun } from "./kills.js";
import { type ProbeTarget, postgresTarget } from "./store-probe.js";

// Same harness on PostgreSQL; skips with a message without one, fails in CI (test/helpers/stores.ts).
const hasPostgres = await postgresAvailable();

describe.skipIf(!hasPostgres)("crash durability on PostgreSQL: kill -9 while ingesting, restart", () => {
  let target: ProbeTarget | undefined;
  afterAll(async () => {
    await target?.cleanup();
  });

  it("loses and duplicates no acknowledged line, and restores templates and state", async () => {
    target = await postgresTarget();
    const kills = killsPerRun(10);
    expectDurable(
      await runCrashHarness(target, { kills, senders: 2, linesPerBatch: 200, linesPerLargeBatch: 1_000 }),
      kills,
    );
    expect(target.name).toBe("postgres");
  }, 170_000);
});
