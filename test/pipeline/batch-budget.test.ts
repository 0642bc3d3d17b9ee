import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { LogRecord } from "../../src/core/log-record.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";

const record = (i: number): LogRecord => ({
  timestamp: new Date(Date.parse("2026-01-01T00:00:00Z") + i * 10).toISOString(),
  observedTimestamp: "2026-01-01T00:00:00.000Z",
  severityText: "INFO",
  severityNumber: 9,
  body: `request ${i} served in ${i % 97} ms by worker ${i % 7}`,
  attributes: {},
  resource: { "service.name": "api" },
});
const records = (n: number, from: number) => Array.from({ length: n }, (_, i) => record(from + i));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("pipeline batch size", () => {
  it("keeps a batch to what the measured rate processes in about 50 ms, not the whole INGEST_BATCH_SIZE", async () => {
    server = await startTestServer({
      INGEST_BATCH_SIZE: "100000",
      INGEST_QUEUE_RECORDS: "1000000",
      INGEST_QUEUE_MAX_WAIT_SECS: "0",
    });
    const { pipeline } = server.rt;
    await pipeline.submit(records(200, 0)); // the rate is measured on this batch
    await sleep(20);
    const batches: number[] = [];
    pipeline.batchListeners.add((timing) => batches.push(timing.records));
    // 10,000 records queued at once: one batch under INGEST_BATCH_SIZE alone, a 50 ms budget below
    // 200,000 records/s (this code does a few thousand to tens of thousands a second).
    await Promise.all(Array.from({ length: 50 }, (_, k) => pipeline.submit(records(200, 200 + k * 200))));
    expect(batches.reduce((a, b) => a + b, 0)).toBe(10_000);
    // The first submission starts the drain alone; without the budget the other 49 made one batch.
    expect(batches[0]).toBe(200);
    expect(batches.length).toBeGreaterThan(2);
    expect(Math.max(...batches)).toBeLessThan(9_800);
  });
});
