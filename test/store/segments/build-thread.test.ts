import { readdirSync, readlinkSync } from "node:fs";
import { getPriority } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/core/json.js";
import type { RecordToAppend } from "../../../src/core/log-store.js";
import { FilledSegment, type SegmentRecord } from "../../../src/store/columnar/index.js";
import { SegmentBuildThread } from "../../../src/store/segments/build-thread.js";
import { MAX_OPEN_JOBS } from "../../../src/store/segments/build-worker.js";
import { eachSegmentRecord } from "../../../src/store/segments/record-codec.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../../helpers/stores.js";
import { loghubRecords } from "../columnar/segment-records.js";

const STORED_AT = "2026-05-04T14:00:00.000Z";

/** Appendable records of a few templates, services and attribute shapes, some messages off template. */
function records(n: number, seed: number): RecordToAppend[] {
  return Array.from({ length: n }, (_, i): RecordToAppend => {
    const k = (i * 7 + seed) % 11;
    const timestamp = new Date(Date.UTC(2026, 4, 4, 10, 0, 0, i * 37 + seed)).toISOString();
    const service = k < 6 ? "api" : "db";
    return {
      timestamp: k === 5 ? "2026-05-04T10:00:00Z" : timestamp,
      observedTimestamp: STORED_AT,
      severityText: k === 3 ? "ERROR" : "INFO",
      severityNumber: k === 3 ? 17 : 9,
      body: k === 4 ? `odd line ${i}` : `user u${i % 13} logged in from 10.0.${k}.${i % 250}`,
      attributes: k % 2 === 0 ? { n: i } : ({ "process.pid": 4000 + k, user: `u${i % 5}` } as JsonObject),
      resource: { "service.name": service, ...(k === 7 ? { "host.name": "h7" } : {}) },
      stream: service,
      templateId: k === 9 ? null : `t${k % 3}`,
      template: k === 9 ? null : "user <*> logged in from <*>",
      params: null,
    };
  });
}

describe("segment build thread", () => {
  let thread: SegmentBuildThread | undefined;
  afterEach(async () => {
    await thread?.stop();
    thread = undefined;
  });

  it.runIf(process.platform === "linux")(
    "runs 10 below this thread's priority, this thread's unchanged",
    async () => {
      const self = Number(readlinkSync("/proc/thread-self").split("/").pop());
      const before = getPriority(self);
      const nicenesses = () =>
        readdirSync("/proc/self/task").map((tid) => {
          try {
            return getPriority(Number(tid));
          } catch {
            return null; // a thread that ended meanwhile
          }
        });
      const lowered = Math.min(19, before + 10);
      const alreadyThere = nicenesses().filter((n) => n === lowered).length;
      thread = new SegmentBuildThread((e) => {
        throw e;
      });
      // An answer means the thread has run its start, where it lowers its priority.
      const segment = thread.open(1, 1)!;
      eachSegmentRecord(records(1, 0), segment.add);
      await segment.encode({ quality: 0 });
      expect(nicenesses().filter((n) => n === lowered).length).toBe(alreadyThere + 1);
      expect(getPriority(self)).toBe(before);
    },
  );

  it("builds the bytes and range this thread builds, records added in slices", async () => {
    thread = new SegmentBuildThread((e) => {
      throw e;
    });
    const sources: SegmentRecord[][] = [loghubRecords("HDFS").slice(0, 1200)];
    const batch = records(1700, 3);
    for (let n = 0; n < 2; n++) {
      const here = new FilledSegment(101, batch.length);
      const there = thread.open(101, batch.length)!;
      for (let i = 0; i < batch.length; i += 50) {
        eachSegmentRecord(batch.slice(i, i + 50), here.add);
        eachSegmentRecord(batch.slice(i, i + 50), there.add);
      }
      expect(await there.encode({ quality: 0 })).toEqual(here.encode({ quality: 0 }));
    }
    for (const source of sources) {
      const here = new FilledSegment(7, source.length);
      const there = thread.open(7, source.length)!;
      for (const r of source) {
        here.add(r);
        there.add(r);
      }
      expect(await there.encode({ quality: 5 })).toEqual(here.encode({ quality: 5 }));
    }
  });

  it("fails a job that is short of records or was never opened, and keeps serving others", async () => {
    thread = new SegmentBuildThread((e) => {
      throw e;
    });
    const short = thread.open(1, 10)!;
    eachSegmentRecord(records(9, 1), short.add);
    await expect(short.encode({})).rejects.toThrow(/expected 10 records, got 9/);
    // A job the thread dropped (more left open than it keeps) fails at encode; it never encodes others.
    const abandoned = thread.open(1, 3)!;
    eachSegmentRecord(records(3, 2), abandoned.add);
    for (let k = 0; k < MAX_OPEN_JOBS; k++) thread.open(1, 3);
    await expect(abandoned.encode({})).rejects.toThrow(/not open/);
    const ok = thread.open(1, 3)!;
    eachSegmentRecord(records(3, 2), ok.add);
    const here = new FilledSegment(1, 3);
    eachSegmentRecord(records(3, 2), here.add);
    expect((await ok.encode({})).data).toEqual(here.encode({}).data);
  });

  it("takes no job once stopped, so the store builds on its own thread", async () => {
    const stopped = new SegmentBuildThread((e) => {
      throw e;
    });
    await stopped.stop();
    expect(stopped.open(1, 1)).toBeNull();
  });
});

describe.each(DIALECTS)("segment store building on a thread, on $name", ({ open, needsPostgres }) => {
  let stores: TestStore[] = [];
  let thread: SegmentBuildThread | undefined;
  afterEach(async () => {
    await thread?.stop();
    thread = undefined;
    for (const s of stores) await s.cleanup();
    stores = [];
  });

  it("stores the rows the store builds on its own thread, through append and openAppend", async (ctx) => {
    if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
    stores = [await open(), await open()];
    thread = new SegmentBuildThread((e) => {
      throw e;
    });
    const [local, threaded] = [
      segmentLogStore(stores[0]!.store),
      segmentLogStore(stores[1]!.store, { buildThread: thread }),
    ];
    const batches = [records(40, 1), records(2500, 2), records(1, 3)];
    for (const [i, logs] of [local, threaded].entries()) {
      const store = stores[i]!.store;
      for (const batch of batches) {
        await store.transaction((tx) => logs.append(tx, batch, STORED_AT));
        await store.transaction(async (tx) => {
          const appender = await logs.openAppend!(tx, batch.length, STORED_AT);
          for (let k = 0; k < batch.length; k += 50) appender.add(batch.slice(k, k + 50));
          await appender.finish();
        });
      }
    }
    const rows = (s: TestStore) =>
      s.store.db.selectFrom("log_batches").selectAll().orderBy("first_ref").execute();
    const [a, b] = [await rows(stores[0]!), await rows(stores[1]!)];
    expect(b).toHaveLength(6);
    expect(b.map((r) => ({ ...r, data: Buffer.from(r.data) }))).toEqual(
      a.map((r) => ({ ...r, data: Buffer.from(r.data) })),
    );
    expect((await threaded.get([1, 40, 41, 80, 81])).map((r) => r.message)).toEqual(
      (await local.get([1, 40, 41, 80, 81])).map((r) => r.message),
    );
  });
});
