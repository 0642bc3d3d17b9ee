import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import type { LogRecord } from "../../src/core/log-record.js";
import { createRuntime } from "../../src/runtime/create-runtime.js";
import type { Runtime } from "../../src/service/runtime.js";
import { sqliteConnectionOf } from "../../src/store/dialect/sqlite.js";
import { keptStatement } from "../../src/store/dialect/statement-cache.js";
import { countLogs } from "../../src/store/repos/logs.js";
import { loadPartitionStates } from "../../src/store/repos/partition-state.js";
import { listTemplates } from "../../src/store/repos/templates.js";

/**
 * Failures injected at the store boundary of a real SQLite file: triggers that abort an insert while a
 * row sits in `inject_failure`, so a test fails exactly the writes it means to and lets the next through.
 */
const TRIGGERS = `
  create table inject_failure (target text primary key);
  create trigger inject_logs_failure before insert on logs
    when exists (select 1 from inject_failure where target = 'logs')
    begin select raise(abort, 'injected: logs insert refused'); end;
  create trigger inject_anomalies_insert_failure before insert on anomalies
    when exists (select 1 from inject_failure where target = 'anomalies')
    begin select raise(abort, 'injected: anomalies insert refused'); end;
  create trigger inject_anomalies_update_failure before update on anomalies
    when exists (select 1 from inject_failure where target = 'anomalies')
    begin select raise(abort, 'injected: anomalies update refused'); end;
  create trigger inject_state_insert_failure before insert on partition_state
    when exists (select 1 from inject_failure where target = 'state')
    begin select raise(abort, 'injected: state save refused'); end;
  create trigger inject_state_update_failure before update on partition_state
    when exists (select 1 from inject_failure where target = 'state')
    begin select raise(abort, 'injected: state save refused'); end;
`;

/** `logs`: the first write of a batch fails (before detection); `anomalies`: a write after detection. */
type Target = "logs" | "anomalies" | "state";

interface Harness {
  rt: Runtime;
  clock: FakeClock;
  logLines: string[];
  fail(target: Target): void;
  heal(target: Target): void;
}

let current: { rt: Runtime; dataDir: string } | undefined;
afterEach(async () => {
  if (!current) return;
  sqliteConnectionOf(current.rt.store)?.exec("delete from inject_failure");
  await current.rt.close();
  rmSync(current.dataDir, { recursive: true, force: true });
  current = undefined;
});

async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), "logwarden-batch-failure-"));
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const clock = new FakeClock("2026-03-01T00:00:00Z");
  const config = loadConfig({
    env: {
      DATA_DIR: dataDir,
      API_TOKEN: "batch-failure-token",
      NEW_TEMPLATE_WARMUP_RECORDS: "20",
      NEW_TEMPLATE_WARMUP_SECS: "0",
      INGEST_STATE_SAVE_SECS: "5",
      // The `logs` table, whose inserts the triggers refuse; the segment store's case says so itself.
      LOG_STORE: "table",
      ...env,
    },
  });
  const rt = await createRuntime(config, pino({ level: "info" }, sink), clock);
  current = { rt, dataDir };
  const db = sqliteConnectionOf(rt.store);
  if (!db) throw new Error("these tests inject failures into a SQLite file");
  db.exec(TRIGGERS);
  return {
    rt,
    clock,
    logLines,
    fail: (target) => keptStatement(db, "insert or ignore into inject_failure values (?)").run(target),
    heal: (target) => keptStatement(db, "delete from inject_failure where target = ?").run(target),
  };
}

const at = (i: number) => new Date(Date.parse("2026-03-01T00:00:00Z") + i * 1000).toISOString();
const record = (i: number, body = `request ${i} served in ${i % 97} ms`, level = "INFO"): LogRecord => ({
  timestamp: at(i),
  observedTimestamp: at(i),
  severityText: level,
  severityNumber: level === "ERROR" ? 17 : 9,
  body,
  attributes: {},
  resource: { "service.name": "api" },
});
const warmUp = (n: number) => Array.from({ length: n }, (_, i) => record(i));
const errors = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => record(from + i, `upstream timeout after ${from + i} ms`, "ERROR"));

describe("a batch whose store transaction fails", () => {
  it.each(["logs", "anomalies"] as const)(
    "(%s insert refused) changes neither miner nor detectors: the same new line sent again is a new template, and its row's template is stored",
    async (target) => {
      const h = await harness();
      await h.rt.pipeline.submit(warmUp(30));
      const text = "disk /dev/sda1 is failing, remounting read-only";
      const line = record(100, text, "ERROR");

      h.fail(target);
      await expect(h.rt.pipeline.submit([line])).rejects.toThrow(/injected/);
      expect(await countLogs(h.rt.store.db)).toBe(30);
      expect(h.rt.pipeline.processor.miner.templates().map((t) => t.template)).not.toContain(text);

      h.heal(target);
      const again = await h.rt.pipeline.submit([line]);
      const stored = again.records[0]!;
      expect(stored.templateChange).toBe("created");
      expect(again.anomalies.map((a) => a.detector)).toContain("new_template");
      const templates = await listTemplates(h.rt.store.db, { stream: "api" });
      expect(templates.map((t) => t.templateId)).toContain(stored.templateId);
      expect(templates.find((t) => t.templateId === stored.templateId)?.count).toBe(1);
    },
  );

  it("does not count its errors toward a burst: only stored errors do", async () => {
    const h = await harness({ ERROR_BURST_THRESHOLD: "5", ERROR_BURST_WINDOW_SECS: "600" });
    await h.rt.pipeline.submit(errors(0, 3));
    // 6 errors: the detector reports a burst, and storing it fails.
    h.fail("anomalies");
    await expect(h.rt.pipeline.submit(errors(10, 3))).rejects.toThrow(/injected/);
    h.heal("anomalies");
    // 3 stored + 1: below the threshold of 5, had the refused 3 not counted.
    const next = await h.rt.pipeline.submit(errors(20, 1));
    expect(next.anomalies.filter((a) => a.detector === "error_burst")).toEqual([]);
    const burst = await h.rt.pipeline.submit(errors(30, 1));
    expect(burst.anomalies.filter((a) => a.detector === "error_burst")).toHaveLength(1);
    expect(burst.anomalies.find((a) => a.detector === "error_burst")?.features.error_count).toBe(5);
  });
});

describe("a streamed batch refused while its row is still being built (segment store)", () => {
  it("keeps no row of it: the row's write ends inside the transaction that is rolled back", async () => {
    const h = await harness({
      LOG_STORE: "segments",
      ERROR_BURST_THRESHOLD: "5",
      ERROR_BURST_WINDOW_SECS: "600",
    });
    const db = sqliteConnectionOf(h.rt.store)!;
    // Lines in batches and in sealed segments both: the runtime's sealing thread reads the real clock, to
    // which this test's batches (stamped by the fake one, months back) are overdue, so it may seal them
    // into a segment at any moment (CI saw 0 batch lines where 3 were stored, all of them sealed).
    const stored = () =>
      keptStatement(
        db,
        "select (select coalesce(sum(count), 0) from log_batches) + (select coalesce(sum(count), 0) from log_segments)",
        "pluck",
      ).get() as number;
    await h.rt.pipeline.submit(errors(0, 3));
    expect(stored()).toBe(3);
    // The batch's lines are all in its tail: mined and appended (their row asked of the build thread),
    // then detected, and the burst's insert fails while the row may still be on its way.
    h.fail("anomalies");
    await expect(h.rt.pipeline.submit(errors(10, 40))).rejects.toThrow(/injected/);
    h.heal("anomalies");
    // Let a row that arrived late find the transaction gone, if it could.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stored()).toBe(3);
    const again = await h.rt.pipeline.submit(errors(10, 40));
    expect(again.refs).toHaveLength(40);
    expect(stored()).toBe(43);
  });
});

describe("the detector timer while a batch awaits its transaction", () => {
  it("leaves the detectors alone until the next tick, so a batch taken back takes back nothing of the tick's", async () => {
    const h = await harness({
      SEQUENCE_ENABLED: "true",
      SEQUENCE_SESSION_KEY: "regex:blk_[0-9]+",
      SEQUENCE_IDLE_TIMEOUT_SECS: "60",
    });
    const sequence = () => h.rt.pipeline.processor.statuses().find((s) => s.name === "sequence")!.detail;
    await h.rt.pipeline.submit([record(1, "Receiving block blk_1 from 10.0.0.1")]);
    await nextTurn(); // the drain loop ends after giving the event loop a turn
    expect(sequence()).toContain("0 of 1000 sessions closed, 1 open");
    h.clock.advance(120_000);
    // Another transaction holds the store's connection, so the next batch waits inside its own: as a
    // batch on PostgreSQL waits for the network, where the timer can fire.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holdingBegun = () => {};
    const begun = new Promise<void>((resolve) => {
      holdingBegun = resolve;
    });
    const holding = h.rt.store.db.transaction().execute(async () => {
      holdingBegun();
      await released;
    });
    await begun;
    try {
      h.fail("logs");
      const refused = h.rt.pipeline.submit([record(2, "cache warmed in 3 s")]);
      const ticked = h.rt.pipeline.tick();
      // The tick's work on the detectors is synchronous, before it waits for the store: nothing closed.
      expect(sequence()).toContain("0 of 1000 sessions closed, 1 open");
      release();
      await expect(refused).rejects.toThrow(/injected/);
      await ticked;
    } finally {
      release();
      await holding;
    }
    h.heal("logs");
    // The next tick, with no batch under way, closes the idle session.
    await h.rt.pipeline.tick();
    expect(sequence()).toContain("1 of 1000 sessions closed, 0 open");
  });
});

describe("a periodic state save that fails", () => {
  it("is logged and retried, keeps the process and the pipeline going, and saves everything at the next attempt", async () => {
    const h = await harness();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      // Template A is stored with its first batch (10); the next 5 of its lines are counted at the save.
      await h.rt.pipeline.submit(warmUp(10));
      await h.rt.pipeline.submit(Array.from({ length: 5 }, (_, i) => record(10 + i)));
      const countOf = async (template: string) =>
        (await listTemplates(h.rt.store.db, { stream: "api" })).find((t) => t.template === template)?.count;
      const a = h.rt.pipeline.processor.miner.templates().find((t) => t.count === 15)!.template;
      expect(await countOf(a)).toBe(10);

      h.fail("state");
      h.clock.advance(6_000);
      // The drain loop saves after this batch (the interval has passed), and the save fails.
      const during = await h.rt.pipeline.submit([record(50, "cache warmed in 3 s")]);
      expect(during.records).toHaveLength(1);
      await waitFor(() => h.rt.pipeline.stats.failedStateSaves > 0);
      expect(h.rt.pipeline.stats.failedStateSaves).toBe(1);
      expect(h.logLines.join("")).toContain("saving pipeline state failed");
      expect(h.logLines.join("")).toContain("injected: state save refused");
      expect(await loadPartitionStates(h.rt.store.db)).toEqual([]);

      // Ingest goes on while the store refuses saves; within the interval nothing is tried again.
      await h.rt.pipeline.submit([record(51, "cache warmed in 4 s")]);
      expect(await countLogs(h.rt.store.db)).toBe(17);
      expect(h.rt.pipeline.stats.failedStateSaves).toBe(1);

      h.heal("state");
      h.clock.advance(6_000);
      await nextTurn(); // the drain loop ends after giving the event loop a turn; the timer saves when idle
      await h.rt.pipeline.tick();
      expect((await loadPartitionStates(h.rt.store.db)).map((r) => r.partition)).toEqual([
        "miner:api",
        "shared",
        "stream:api",
      ]);
      // A was touched only before the failed attempt: its count comes from that attempt's marks.
      expect(await countOf(a)).toBe(15);
      expect(await countOf("cache warmed in <*> s")).toBe(2);
      expect(h.rt.pipeline.stats.failedStateSaves).toBe(1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

/**
 * Polls a condition the pipeline's own counters answer (no fixed sleeps). The deadline only bounds a
 * failure: CI runs this file again on Node 24 and 26 beside the soak, at nice 19, where 5 s was tight.
 */
async function waitFor(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the pipeline");
    await new Promise((r) => setTimeout(r, 10));
  }
}
