import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { Anomaly } from "../../src/core/anomaly.js";
import { FakeClock } from "../../src/core/clock.js";
import type { Detector } from "../../src/core/detector.js";
import { DECODE_NOTE } from "../../src/core/input-budget.js";
import type { LogRecord, ParsedRecord } from "../../src/core/log-record.js";
import { MINER_DEFAULTS } from "../../src/core/template.js";
import { UndoLog } from "../../src/core/undo.js";
import { createMiner } from "../../src/parsers/create-miner.js";
import { Processor } from "../../src/pipeline/processor.js";
import { createRuntime } from "../../src/runtime/create-runtime.js";
import { DecodedIngestRecords } from "../../src/service/decoded-ingest-records.js";
import { IngestRecords } from "../../src/service/ingest-records.js";
import { encodeLogRecords } from "../../src/service/packed-log-records.js";
import type { Runtime } from "../../src/service/runtime.js";
import { sqliteConnectionOf } from "../../src/store/dialect/sqlite.js";
import { countLogs } from "../../src/store/repos/logs.js";

/**
 * Poison isolation (issue 49): a record that fails a stage fails only its own submission, never the other
 * submissions that shared its batch. The store refuses the poison for real: a trigger on a real SQLite file
 * aborts the insert of any row whose message holds POISON, as a constraint would.
 */
const POISON_TRIGGER = `
  create trigger refuse_poison before insert on logs when new.message like '%POISON%'
    begin select raise(abort, 'poison row refused'); end;
`;

let current: { rt: Runtime; dataDir: string } | undefined;
afterEach(async () => {
  if (!current) return;
  await current.rt.close();
  rmSync(current.dataDir, { recursive: true, force: true });
  current = undefined;
});

async function runtime(): Promise<Runtime> {
  const dataDir = mkdtempSync(join(tmpdir(), "logwarden-poison-"));
  // The `logs` table: the poison is refused by a trigger on its inserts.
  const config = loadConfig({ env: { DATA_DIR: dataDir, API_TOKEN: "poison-token", LOG_STORE: "table" } });
  const rt = await createRuntime(config, pino({ level: "silent" }), new FakeClock("2026-03-01T00:00:00Z"));
  current = { rt, dataDir };
  sqliteConnectionOf(rt.store)!.exec(POISON_TRIGGER);
  return rt;
}

const record = (i: number, body = `request ${i} served in ${i % 97} ms`): LogRecord => ({
  timestamp: new Date(Date.parse("2026-03-01T00:00:00Z") + i * 1000).toISOString(),
  observedTimestamp: "2026-03-01T00:00:00.000Z",
  severityText: "INFO",
  severityNumber: 9,
  body,
  attributes: {},
  resource: { "service.name": "api" },
});
const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => record(from + i));

describe("a batch holding one client's poison record", () => {
  it("refuses that client's submission only; the others that shared the batch are stored and answered", async () => {
    const rt = await runtime();
    // Submitted in one turn, so the drain loop takes all three into one batch (one transaction).
    const a = rt.pipeline.submit([record(0), record(1, "POISON line from client A"), record(2)]);
    const b = rt.pipeline.submit(lines(100, 10));
    const c = rt.pipeline.submit(lines(200, 5));
    const [ra, rb, rc] = await Promise.allSettled([a, b, c]);
    expect(ra.status).toBe("rejected");
    expect(String((ra as PromiseRejectedResult).reason)).toMatch(/poison row refused/);
    expect(rb.status).toBe("fulfilled");
    expect(rc.status).toBe("fulfilled");
    const bRefs = (rb as PromiseFulfilledResult<{ refs: number[] }>).value.refs;
    const cRefs = (rc as PromiseFulfilledResult<{ refs: number[] }>).value.refs;
    expect(bRefs).toHaveLength(10);
    expect(cRefs).toHaveLength(5);
    // B's and C's lines once each, none of A's (its transaction was rolled back whole).
    expect(await countLogs(rt.store.db)).toBe(15);
    // The miner learned B's and C's lines once: the template counts what was stored.
    const counts = rt.pipeline.processor.miner.templates().reduce((n, t) => n + t.count, 0);
    expect(counts).toBe(15);
  });
});

/** A detector with a bug: it throws on any record whose body holds `CRASH`, and counts what it saw. */
class FragileDetector implements Detector {
  readonly name = "fragile";
  readonly undo = new UndoLog();
  seen: string[] = [];
  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    for (const r of batch) {
      if (r.body.includes("CRASH")) throw new RangeError("Maximum call stack size exceeded");
      this.seen.push(r.body);
    }
    return [];
  }
  status() {
    return { name: this.name, phase: "active" as const, detail: "" };
  }
  exportState() {
    return null;
  }
  importState() {}
}

describe("the processor's error boundaries", () => {
  it("a detector that throws on one record observes the rest of the slice and the others are unaffected", () => {
    const fragile = new FragileDetector();
    const processor = new Processor(createMiner(MINER_DEFAULTS), [fragile]);
    const events: string[] = [];
    processor.onQuarantine = (e) => events.push(`${e.stage}: ${e.reason}`);
    const parsed = processor.mine([record(1), record(2, "CRASH here"), record(3)]);
    expect(processor.detect(parsed)).toEqual([]);
    // record 1 was seen before the throw, and again one by one (the documented cost of a bug).
    expect(fragile.seen.filter((b) => b.includes("served"))).toHaveLength(3);
    expect(fragile.seen.some((b) => b.includes("CRASH"))).toBe(false);
    expect(processor.quarantined.get("detect:fragile")).toBe(2);
    expect(events[1]).toMatch(/detect:fragile: RangeError: Maximum call stack/);
  });

  it("a line the miner fails on is mined again with its body cut, and noted", () => {
    const processor = new Processor(createMiner(MINER_DEFAULTS), []);
    const miner = processor.miner;
    const add = miner.add.bind(miner);
    // The miner fails on bodies longer than 3,000 characters (a stand-in for a miner bug on one line).
    miner.add = (stream, message, at) => {
      if (message.length > 3000) throw new Error("miner bug");
      return add(stream, message, at);
    };
    const long = record(1, `start ${"x".repeat(5000)}`);
    const [parsed] = processor.mine([long]);
    expect(parsed!.body.length).toBe(2048);
    expect(parsed!.attributes[DECODE_NOTE]).toMatch(/mining failed \(Error: miner bug\); body cut/);
    expect(processor.quarantined.get("mine")).toBe(1);
  });
});

describe("the sources a shared batch reads again", () => {
  it("/ingest's records, decoded on the event loop or on a decode thread, are read again for their own batch", async () => {
    const rt = await runtime();
    const observedAt = "2026-03-01T00:00:00.000Z";
    const log = (message: string, service = "web") => ({ message, service, level: "INFO" });
    const a = new IngestRecords([log("ok 1"), log("POISON from A"), log("ok 2")], observedAt, false);
    const b = new IngestRecords(
      Array.from({ length: 120 }, (_, i) => log(`GET /item/${i} 200`, i % 2 ? "web" : "api")),
      observedAt,
      false,
    );
    const decoded = lines(300, 700);
    const chunks = [encodeLogRecords(decoded.slice(0, 500)), encodeLogRecords(decoded.slice(500))];
    const c = new DecodedIngestRecords({
      count: decoded.length,
      chunks,
      warnings: { count: 0, samples: [] },
      groups: [],
    });
    const [ra, rb, rc] = await Promise.allSettled([a, b, c].map((r) => rt.pipeline.submit(r)));
    expect(ra?.status).toBe("rejected");
    expect((rb as PromiseFulfilledResult<{ refs: number[] }>).value.refs).toHaveLength(120);
    expect((rc as PromiseFulfilledResult<{ refs: number[] }>).value.refs).toHaveLength(700);
    expect(await countLogs(rt.store.db)).toBe(820);
    // B's answer counts its own logs once, though they were decoded twice (the shared batch, then alone).
    expect([...b.groups].map(([service, g]) => [service, g.indexes.length])).toEqual([
      ["api", 60],
      ["web", 60],
    ]);
  });
});
