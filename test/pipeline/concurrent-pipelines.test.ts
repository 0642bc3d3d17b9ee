import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { IngestPipeline } from "../../src/pipeline/ingest-pipeline.js";
import { type OpenedLogStore, openLogStore } from "../../src/runtime/open-log-store.js";
import { postgresAvailable, postgresTestStore, type TestStore } from "../helpers/stores.js";
import { timedLines } from "../helpers/timed-lines.js";

/**
 * A cluster node runs one pipeline per partition it owns, all on one PostgreSQL pool (10 connections) and
 * one segment store (one build thread). Each batch holds a transaction's connection; the segment store's
 * references come from a statement of their own, which used to ask the pool for a second connection inside
 * that transaction: with 10 partitions at once, every connection was held by a batch waiting for another,
 * until the pool's 10 s timeout failed them all, again and again (bench:cluster on segments stalled). The
 * build thread also kept 4 jobs open at most, so the fifth partition's batch failed at its encode.
 */
const PIPELINES = 12;
const LINES = 1_500;
const silent = pino({ level: "silent" });

let test: TestStore | undefined;
let opened: OpenedLogStore | undefined;
const pipelines: IngestPipeline[] = [];
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.stop()));
  await opened?.stop();
  await test?.cleanup();
  opened = undefined;
  test = undefined;
});

describe("pipelines sharing one PostgreSQL pool and segment store", () => {
  it("store every line when more of them than the pool has connections append at once", async (ctx) => {
    if (!(await postgresAvailable())) return ctx.skip();
    test = await postgresTestStore();
    const config = loadConfig({ env: { DATA_DIR: "/nonexistent", LOG_STORE: "segments" } });
    opened = await openLogStore(config, test.store, silent);
    const clock = new FakeClock("2026-03-01T00:00:00Z");
    for (let i = 0; i < PIPELINES; i++)
      pipelines.push(
        new IngestPipeline(
          test.store,
          createProcessor(config, clock),
          clock,
          silent,
          { queueRecords: 100_000, queueMaxWaitSecs: 0, batchSize: LINES, stateSaveIntervalMs: 3_600_000 },
          opened.logs,
        ),
      );
    await Promise.all(pipelines.map((p) => p.start()));
    const started = performance.now();
    const results = await Promise.all(
      pipelines.map((p, i) => p.submit(timedLines(`svc-${i}`, 0, LINES, "request"))),
    );
    const secs = (performance.now() - started) / 1000;
    console.log(`${PIPELINES} pipelines × ${LINES} lines stored in ${secs.toFixed(1)} s`);
    expect(results.map((r) => r.refs.length)).toEqual(Array(PIPELINES).fill(LINES));
    const stored = await test.store.db
      .selectFrom("log_batches")
      .select((eb) => eb.fn.sum<string>("count").as("n"))
      .executeTakeFirst();
    expect(Number(stored?.n ?? 0)).toBe(PIPELINES * LINES);
    // Every reference once: the batches' ranges do not overlap.
    const ranges = await test.store.db
      .selectFrom("log_batches")
      .select(["first_ref", "last_ref"])
      .orderBy("first_ref")
      .execute();
    for (let i = 1; i < ranges.length; i++)
      expect(Number(ranges[i]!.first_ref)).toBeGreaterThan(Number(ranges[i - 1]!.last_ref));
  }, 60_000);
});
