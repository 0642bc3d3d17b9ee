import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import { isJsonObject } from "../../src/core/json.js";
import type { LogRecord } from "../../src/core/log-record.js";
import type { IngestPipeline } from "../../src/pipeline/ingest-pipeline.js";
import type { Store } from "../../src/store/db.js";
import type { StoredAnomaly } from "../../src/store/repos/anomalies.js";
import { loadPartitionStates } from "../../src/store/repos/partition-state.js";
import { manualSavePipeline } from "../helpers/manual-save-pipeline.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

/**
 * A pipeline restarted from its partition rows goes on as the one that never stopped: the same findings,
 * merged the same way, in a store of its own fed the same input. Volume keeps its state by stream, and a
 * stream that goes quiet has its intervals closed by ticks while no batch names it; its row must be
 * written again then, or the restarted pipeline would close those intervals (and report the drop) twice.
 */
const config = loadConfig({
  env: {
    DATA_DIR: "/nonexistent",
    VOLUME_INTERVAL_SECS: "60",
    VOLUME_MIN_HISTORY: "5",
    NEW_TEMPLATE_WARMUP_RECORDS: "50",
    NEW_TEMPLATE_WARMUP_SECS: "0",
    ERROR_BURST_THRESHOLD: "5",
  },
});
const START = Date.parse("2026-03-01T00:00:00Z");
const MINUTE = 60_000;

const opened: TestStore[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.cleanup();
});

const pipelineOn = (store: Store, clock: FakeClock) => manualSavePipeline(store, config, clock);

/** Minute `m`'s records: api always; db until minute 20 and again from 32, with errors in minute 33. */
function minute(m: number): LogRecord[] {
  const out: LogRecord[] = [];
  const streams = m < 20 || m >= 32 ? ["api", "db"] : ["api"];
  for (const service of streams)
    for (let i = 0; i < 30; i++) {
      const error = service === "db" && m === 33 && i % 3 === 0;
      out.push({
        timestamp: new Date(START + m * MINUTE + i * 2_000).toISOString(),
        observedTimestamp: new Date(START + m * MINUTE).toISOString(),
        severityText: error ? "ERROR" : "INFO",
        severityNumber: error ? 17 : 9,
        body: error
          ? `connection ${i} to replica lost`
          : `${service === "api" ? "request" : "query"} ${m * 30 + i} took ${(m + i) % 13} ms`,
        attributes: {},
        resource: { "service.name": service },
      });
    }
  return out;
}

/** What a finding says, without the store's own bookkeeping times. */
const said = (a: StoredAnomaly) => ({
  id: a.id,
  detector: a.detector,
  type: a.type,
  service: a.service,
  key: a.key,
  score: a.score,
  description: a.description,
  evidence: a.evidence,
  count: a.count,
});

/** Feeds minutes `from`..`to` - 1, ticking after each; returns every finding, by minute and source. */
async function feed(pipeline: IngestPipeline, clock: FakeClock, from: number, to: number, saveEvery = 0) {
  const out: unknown[] = [];
  for (let m = from; m < to; m++) {
    clock.set(START + m * MINUTE + 59_000);
    const { anomalies } = await pipeline.submit(minute(m));
    out.push([m, "batch", anomalies.map(said)]);
    clock.advance(30_000);
    out.push([m, "tick", (await pipeline.tick()).map(said)]);
    if (saveEvery > 0 && (m + 1) % saveEvery === 0) await pipeline.saveState();
  }
  return out;
}

describe.each(DIALECTS)("restart from partition rows on $name", ({ open, needsPostgres }) => {
  it("continues with the findings of the pipeline that never stopped", async (ctx) => {
    if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
    const [a, b] = [await open(), await open()];
    opened.push(a, b);

    const uninterruptedClock = new FakeClock(START);
    const uninterrupted = pipelineOn(a.store, uninterruptedClock);
    await uninterrupted.start();
    const expected = await feed(uninterrupted, uninterruptedClock, 0, 40);

    const clock = new FakeClock(START);
    const first = pipelineOn(b.store, clock);
    await first.start();
    // Saved every 2 minutes; the process then ends right after the save at minute 26 (no save at stop).
    const before = await feed(first, clock, 0, 26, 2);
    expect(before).toEqual(expected.slice(0, before.length));
    const rows = await loadPartitionStates(b.store.db);
    const streamRow = rows.find((r) => r.partition === "stream:db");
    expect(isJsonObject(streamRow?.value) && Object.keys(streamRow.value.detectors ?? {}).sort()).toEqual([
      "new_template",
      "rare_template",
      "volume",
    ]);
    const shared = rows.find((r) => r.partition === "shared")?.value;
    expect(
      isJsonObject(shared) && isJsonObject(shared.detectors) && Object.keys(shared.detectors),
    ).not.toContain("volume");

    const restarted = pipelineOn(b.store, clock);
    await restarted.start();
    const after = await feed(restarted, clock, 26, 40);
    expect(after).toEqual(expected.slice(before.length));

    // What makes it a test of state by stream: db's drop was reported by a tick while db sent nothing,
    // between two saves no batch of db's was in; and db's findings after its return were judged on state
    // that came from its own row.
    const dbByTick = expected.filter(
      (e) =>
        Array.isArray(e) &&
        e[1] === "tick" &&
        (e[2] as ReturnType<typeof said>[]).some((x) => x.service === "db" && x.detector === "volume"),
    );
    expect(dbByTick.length).toBeGreaterThan(0);
    const dbAfterRestart = after.flatMap((e) =>
      Array.isArray(e) ? (e[2] as ReturnType<typeof said>[]) : [],
    );
    expect(dbAfterRestart.filter((x) => x.service === "db").length).toBeGreaterThan(0);
  });
});
