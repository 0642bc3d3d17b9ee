import { Worker } from "node:worker_threads";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import type { SourceLog } from "../../src/core/source.js";
import { isoUtc } from "../../src/core/time.js";
import { SinkDispatcher } from "../../src/service/sink-dispatcher.js";
import type { Store } from "../../src/store/db.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { listDeliveries } from "../../src/store/repos/deliveries.js";
import { adoptSinkHistory, LEGACY_WATERMARK_KEY, SINKS_SINCE_KEY } from "../../src/store/repos/sink-queue.js";
import { loadState, saveState } from "../../src/store/repos/state.js";
import { builtTestScript } from "../helpers/cli.js";
import type { DispatcherWorkerData } from "../helpers/dispatcher-worker.js";
import { startReceiver } from "../helpers/receiver.js";
import { ScriptedSink } from "../helpers/scripted-sink.js";
import { type SharedDatabase, sharedDatabaseCases } from "../helpers/shared-database.js";
import { finding, storeFindings } from "../helpers/stored-findings.js";
import { postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

const fast = { pollMs: 20, baseDelayMs: 20, maxDelayMs: 100 };

/** A log that keeps the error messages, to see a failed queueing pass. */
function recordingLog(): SourceLog & { errors: string[] } {
  const errors: string[] = [];
  return { errors, debug() {}, info() {}, warn() {}, error: (_obj, msg) => errors.push(msg ?? "") };
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function openShared(make: () => Promise<SharedDatabase>, stores = 1): Promise<Store[]> {
  const shared = await make();
  cleanups.push(() => shared.cleanup());
  const opened = Array.from({ length: stores }, () => shared.open());
  for (const s of opened) cleanups.push(() => s.close());
  await opened[0]!.migrate();
  return opened;
}

async function start(store: Store, sinks: ScriptedSink[], log: SourceLog = recordingLog()) {
  const d = new SinkDispatcher(store, sinks, systemClock, log, fast);
  await d.start();
  let stopped = false;
  cleanups.push(async () => {
    if (!stopped) await d.stop();
  });
  return {
    d,
    async stop() {
      stopped = true;
      await d.stop();
    },
  };
}

async function queuedAt(store: Store, id: number): Promise<string | null> {
  const row = await store.db
    .selectFrom("anomalies")
    .select("sinks_queued_at")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return row.sinks_queued_at;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(sharedDatabaseCases)(
  "queueing anomalies for the sinks on $name",
  ({ name, shared, needsPostgres }) => {
    it("sends no history at the first start with sinks; a sink added later gets what is stored from then on", async (ctx) => {
      if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
      const [store] = await openShared(shared);
      const [old] = await storeFindings(store!.db, [finding("before sinks")]);
      const a = new ScriptedSink("a");
      const first = await start(store!, [a]);
      const [n1] = await storeFindings(store!.db, [finding("with sink a")]);
      first.d.notify([n1!]);
      await waitFor(() => a.anomalyIds().includes(n1!.id), "n1 at sink a");
      await first.stop();
      expect(await loadState(store!.db, SINKS_SINCE_KEY)).toMatchObject({ since: expect.any(String) });

      // Restarted with a second sink: it starts from now, like sink a did (no replay of what a got).
      const a2 = new ScriptedSink("a");
      const b = new ScriptedSink("b");
      const second = await start(store!, [a2, b]);
      const [n2] = await storeFindings(store!.db, [finding("with sinks a and b")]);
      second.d.notify([n2!]);
      await waitFor(() => b.anomalyIds().includes(n2!.id) && a2.anomalyIds().includes(n2!.id), "n2 at both");
      expect(a.anomalyIds()).toEqual([n1!.id]);
      expect(a2.anomalyIds()).toEqual([n2!.id]);
      expect(b.anomalyIds()).toEqual([n2!.id]);
      expect(await queuedAt(store!, old!.id)).not.toBeNull();
    });

    it("upgrades a store that kept the watermark: ids up to it count as queued, later ones are sent", async (ctx) => {
      if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
      const [store] = await openShared(shared);
      const [o1, o2, o3] = await storeFindings(store!.db, [finding("o1"), finding("o2"), finding("o3")]);
      // What the watermark dispatcher left: o1 and o2 queued, o3 stored while it was down.
      await saveState(store!.db, LEGACY_WATERMARK_KEY, o2!.id, isoUtc(Date.now()));
      const sink = new ScriptedSink("hook");
      await start(store!, [sink]);
      await waitFor(() => sink.anomalyIds().length > 0, "the anomaly after the watermark");
      await sleep(100);
      expect(sink.anomalyIds()).toEqual([o3!.id]);
      expect(await loadState(store!.db, LEGACY_WATERMARK_KEY)).toBeUndefined();
      expect(await queuedAt(store!, o1!.id)).not.toBeNull();
      // A later conversion attempt (another process starting) changes nothing.
      expect(await adoptSinkHistory(store!, isoUtc(Date.now()))).toBe("known");
    });

    it("sends a repeat once per sink: not again, but to a sink whose route it now matches", async (ctx) => {
      if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
      const [store] = await openShared(shared);
      const all = new ScriptedSink("all");
      const high = new ScriptedSink("high-only", { minSeverity: "high" });
      const { d } = await start(store!, [all, high]);
      const [a] = await storeFindings(store!.db, [finding("flapping", { severity: "medium" })]);
      d.notify([a!]);
      await waitFor(() => all.anomalyIds().length === 1, "the first occurrence");
      const [repeat] = await storeFindings(store!.db, [finding("flapping", { severity: "medium" })]);
      expect(repeat).toMatchObject({ id: a!.id, count: 2 });
      expect(await queuedAt(store!, a!.id)).toBeNull();
      d.notify([repeat!]);
      await waitFor(async () => (await queuedAt(store!, a!.id)) !== null, "the repeat routed");
      const [escalated] = await storeFindings(store!.db, [finding("flapping", { severity: "critical" })]);
      d.notify([escalated!]);
      await waitFor(() => high.anomalyIds().length === 1, "the escalated repeat at the high-only sink");
      await sleep(100);
      expect(all.anomalyIds()).toEqual([a!.id]);
      expect(high.batches.flat().map((i) => [i.anomaly.id, i.anomaly.severity, i.anomaly.count])).toEqual([
        [a!.id, "critical", 3],
      ]);
    });

    it("queues an anomaly another process stored, with no hand-over, at the next poll", async (ctx) => {
      if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
      const [mine, other] = await openShared(shared, 2);
      const sink = new ScriptedSink("hook");
      await start(mine!, [sink]);
      // Autocommit statements, no transaction held across awaits: two SQLite connections in one thread
      // cannot both wait for the write lock (the busy wait blocks the thread the holder needs).
      const [stored] = await storeAnomalies(
        other!.db,
        [finding("from a process without sinks")],
        isoUtc(Date.now()),
      );
      const theirs = stored!.anomaly;
      await waitFor(() => sink.anomalyIds().includes(theirs!.id), "the other process's anomaly");
      expect(sink.anomalyIds()).toEqual([theirs!.id]);
    });

    it("a failure between queueing the deliveries and marking the anomaly leaves neither", async (ctx) => {
      if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
      const [store] = await openShared(shared);
      const log = recordingLog();
      const sink = new ScriptedSink("hook");
      const { d } = await start(store!, [sink], log);
      await failMarking(store!, name, true);
      const [a] = await storeFindings(store!.db, [finding("a")]);
      d.notify([a!]);
      await waitFor(() => log.errors.some((m) => m.startsWith("queueing anomalies")), "a failed pass");
      // The deliveries were inserted before the mark failed: the rollback took them back.
      expect(await listDeliveries(store!.db)).toEqual([]);
      expect(await queuedAt(store!, a!.id)).toBeNull();
      expect(sink.anomalyIds()).toEqual([]);
      await failMarking(store!, name, false);
      await waitFor(() => sink.anomalyIds().length > 0, "the anomaly once marking works again");
      await sleep(100);
      expect(sink.anomalyIds()).toEqual([a!.id]);
      expect((await listDeliveries(store!.db)).map((r) => [r.anomaly_id, r.status])).toEqual([
        [a!.id, "delivered"],
      ]);
    });

    it("two dispatchers (two threads, two connections) catching up at once send every anomaly once", async (ctx) => {
      if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
      const db = await shared();
      cleanups.push(() => db.cleanup());
      const store = db.open();
      cleanups.push(() => store.close());
      await store.migrate();
      // Sinks ran on this store before; these were stored while both processes were down (more than one
      // pass of the dispatcher's 500, so the two interleave).
      await adoptSinkHistory(store, isoUtc(Date.now()));
      const stored = await storeFindings(
        store.db,
        Array.from({ length: 600 }, (_, i) => finding(`k${i}`)),
      );
      const rx = await startReceiver();
      cleanups.push(() => rx.close());
      const workers = await Promise.all(
        ["w0", "w1"].map((name) => workerDispatcher({ url: db.url, webhookUrl: `${rx.url}/hook`, name })),
      );
      cleanups.push(async () => {
        for (const w of workers) await w.stop();
      });
      // Counted in SQL: reading every row with its payload at each poll (listDeliveries) cost this thread
      // about 0.7 s of CPU per database, beside the two dispatchers it waits for.
      await waitFor(
        async () => {
          const { all, delivered } = await store.db
            .selectFrom("deliveries")
            .select((eb) => [
              eb.fn.countAll().as("all"),
              eb.fn.count(eb.case().when("status", "=", "delivered").then(1).end()).as("delivered"),
            ])
            .executeTakeFirstOrThrow();
          return Number(all) === stored.length && Number(delivered) === stored.length;
        },
        "every anomaly delivered",
        60_000,
      );
      await sleep(100);
      const received = rx.requests
        .map((r) => (JSON.parse(r.body) as { id: number }).id)
        .sort((x, y) => x - y);
      expect(received).toEqual(stored.map((a) => a.id));
      const unqueued = await store.db
        .selectFrom("anomalies")
        .select("id")
        .where("sinks_queued_at", "is", null)
        .execute();
      expect(unqueued).toEqual([]);
      // Past its 60 s wait for the deliveries: the suite's 30 s default cut that wait short on a loaded
      // machine (33.7 s on PostgreSQL at load 8, where it is 12-21 s on a quiet one).
    }, 90_000);
  },
);

/** Runs a dispatcher on a worker thread (test/helpers/dispatcher-worker.ts) until `stop`. */
async function workerDispatcher(data: DispatcherWorkerData): Promise<{ stop(): Promise<void> }> {
  const script = new URL("../helpers/dispatcher-worker.ts", import.meta.url);
  // Its build when this run made one (`builtTestScript`): through tsx a thread took about 2 s of CPU to start.
  const built = builtTestScript(script);
  // Else tsx's loader compiles the TypeScript (`--import tsx` in a worker's execArgv is not applied).
  const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(script.href)}); })`;
  const worker = built
    ? new Worker(built, { workerData: data })
    : new Worker(boot, { eval: true, workerData: data });
  await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        const done = new Promise((resolve) => worker.once("message", resolve));
        worker.postMessage("stop");
        await done;
        await worker.terminate();
      })();
      return stopped;
    },
  };
}

describe("PostgreSQL: anomaly ids are not in commit order", () => {
  it("an anomaly committed after a higher id was queued is still delivered, once", async (ctx) => {
    if (!(await postgresAvailable())) return ctx.skip();
    const postgres = sharedDatabaseCases.find((c) => c.name === "postgres")!;
    const [store, writer] = await openShared(postgres.shared, 2);
    const sink = new ScriptedSink("hook");
    const first = await start(store!, [sink]);
    // Another process stores A: its id comes from the sequence now, its transaction commits later.
    let commitA!: () => void;
    const held = new Promise<void>((r) => {
      commitA = r;
    });
    let aId = 0;
    let drawn!: () => void;
    const idDrawn = new Promise<void>((r) => {
      drawn = r;
    });
    const txA = writer!.db.transaction().execute(async (trx) => {
      const [a] = await storeAnomalies(trx, [finding("late")], "2026-02-01T10:00:00.000Z");
      aId = a!.anomaly.id;
      drawn();
      await held;
    });
    await idDrawn;
    const [b] = await storeFindings(store!.db, [finding("early")]);
    expect(b!.id).toBeGreaterThan(aId);
    first.d.notify([b!]);
    await waitFor(() => sink.anomalyIds().includes(b!.id), "B delivered");
    await first.stop();
    commitA();
    await txA;

    const after = new ScriptedSink("hook");
    await start(store!, [after]);
    await waitFor(() => after.anomalyIds().includes(aId), "A delivered after the restart");
    await sleep(100);
    expect([...sink.anomalyIds(), ...after.anomalyIds()]).toEqual([b!.id, aId]);
    expect((await listDeliveries(store!.db)).map((r) => r.anomaly_id).sort((x, y) => x - y)).toEqual([
      aId,
      b!.id,
    ]);
  });
});

/** Makes marking an anomaly queued fail in the database (a trigger), or work again. */
async function failMarking(store: Store, database: "sqlite" | "postgres", fail: boolean): Promise<void> {
  if (database === "sqlite") {
    if (fail)
      await sql`create trigger fail_sinks_mark before update of sinks_queued_at on anomalies
        when new.sinks_queued_at is not null begin select raise(abort, 'injected: marking failed'); end`.execute(
        store.db,
      );
    else await sql`drop trigger fail_sinks_mark`.execute(store.db);
    return;
  }
  if (fail) {
    await sql`create function fail_sinks_mark() returns trigger language plpgsql as
      ${sql.raw("$$ begin raise exception 'injected: marking failed'; end $$")}`.execute(store.db);
    await sql`create trigger fail_sinks_mark before update of sinks_queued_at on anomalies for each row
      when (new.sinks_queued_at is not null) execute function fail_sinks_mark()`.execute(store.db);
  } else await sql`drop trigger fail_sinks_mark on anomalies`.execute(store.db);
}
