import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import { manualSavePipeline } from "../helpers/manual-save-pipeline.js";
import { DIALECTS, type TestStore } from "../helpers/stores.js";
import { timedLines } from "../helpers/timed-lines.js";

/**
 * `submitAll`: what a cluster partition's owner submits after lingering for the messages behind the first
 * (src/distribution/partition-worker.ts) shares one batch, where the same submissions one by one to an idle
 * pipeline start a batch each.
 */
const config = loadConfig({ env: { DATA_DIR: "/nonexistent" } });
const sqlite = DIALECTS.find((d) => !d.needsPostgres)!;
let opened: TestStore | undefined;
afterEach(async () => {
  await opened?.cleanup();
  opened = undefined;
});

const lines = (from: number, n: number) => timedLines("api", from, n, "request");

describe("submissions made together", () => {
  it("commit as one batch, each answered with its own records, in order", async () => {
    opened = await sqlite.open();
    const pipeline = manualSavePipeline(opened.store, config, new FakeClock("2026-03-01T00:00:00Z"));
    await pipeline.start();
    const results = await Promise.all(
      pipeline.submitAll([0, 10, 20].map((from) => ({ records: lines(from, 10), extras: {} }))),
    );
    expect(pipeline.stats.batches).toBe(1);
    expect(results.map((r) => r.records.map((x) => x.body.split(" ")[1]))).toEqual(
      [0, 10, 20].map((from) => Array.from({ length: 10 }, (_, i) => String(from + i))),
    );
    const refs = results.flatMap((r) => r.refs);
    expect(refs).toEqual([...refs].sort((a, b) => a - b));
    // One at a time to the idle pipeline: the first starts a batch of its own.
    await pipeline.idle();
    await Promise.all([30, 40].map((from) => pipeline.submit(lines(from, 10))));
    expect(pipeline.stats.batches).toBe(3);
    await pipeline.stop();
  });
});
