import { createServer, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { webhookSinkSchema } from "../../src/config/sink-schema.js";
import { FakeClock, systemClock } from "../../src/core/clock.js";
import { isoUtc } from "../../src/core/time.js";
import { SinkDispatcher } from "../../src/service/sink-dispatcher.js";
import { toSinkAnomaly } from "../../src/sinks/payload.js";
import { WebhookSink } from "../../src/sinks/webhook.js";
import type { Store } from "../../src/store/db.js";
import { claimDeliveries, enqueueDeliveries, listDeliveries } from "../../src/store/repos/deliveries.js";
import { adoptSinkHistory } from "../../src/store/repos/sink-queue.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { sharedDatabaseCases } from "../helpers/shared-database.js";
import { postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";
import { storedAnomaly } from "../sinks/fixtures.js";

const log = createLogger("silent");
const SINK = "hook";

/** A webhook receiver on 127.0.0.1 that counts receipts per delivery and per worker, answering after a pause. */
interface CountingReceiver {
  url: string;
  perDelivery: Map<string, number>;
  perWorker: Map<string, number>;
  close(): Promise<void>;
}

async function countingReceiver(pauseMs: number): Promise<CountingReceiver> {
  const perDelivery = new Map<string, number>();
  const perWorker = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const delivery = String(req.headers["x-logwarden-delivery"]);
      const worker = String(req.headers["x-worker"]);
      perDelivery.set(delivery, (perDelivery.get(delivery) ?? 0) + 1);
      perWorker.set(worker, (perWorker.get(worker) ?? 0) + 1);
      // The pause keeps sends in flight while the other worker looks for work: without claims, both
      // workers pick the same due rows and the receiver counts them twice.
      setTimeout(() => res.writeHead(200).end("ok"), pauseMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    perDelivery,
    perWorker,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function queue(store: Store, ids: readonly number[]): Promise<void> {
  const rows = ids.map((id) => ({ anomaly: toSinkAnomaly(storedAnomaly({ id })), sink: SINK }));
  await enqueueDeliveries(store.db, rows, isoUtc(Date.now()));
}

function webhook(url: string, worker: string): WebhookSink {
  return new WebhookSink(
    SINK,
    webhookSinkSchema.parse({ type: "webhook", name: SINK, url, headers: { "x-worker": worker } }),
  );
}

describe.each(sharedDatabaseCases)("delivery claims on $name", ({ shared: makeShared, needsPostgres }) => {
  it("two delivery workers on one database send every delivery exactly once", async (ctx) => {
    if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
    const shared = await makeShared();
    cleanups.push(() => shared.cleanup());
    const rx = await countingReceiver(3);
    cleanups.push(() => rx.close());
    const stores = [shared.open(), shared.open()];
    for (const s of stores) cleanups.push(() => s.close());
    await stores[0]!.migrate();
    const ids = Array.from({ length: 240 }, (_, i) => i + 1);
    await queue(stores[0]!, ids);
    const workers = stores.map(
      (s, i) => new SinkDispatcher(s, [webhook(rx.url, `w${i}`)], systemClock, log, { pollMs: 5 }),
    );
    // Both look for due work at once, again and again, while the other's sends are in flight.
    // Sinks ran on this store before, so starting writes nothing: two SQLite connections in one thread
    // cannot both open a write transaction (the second's busy wait blocks the thread the first needs).
    await adoptSinkHistory(stores[0]!, isoUtc(Date.now()));
    await Promise.all(workers.map((w) => w.start()));
    cleanups.push(async () => {
      for (const w of workers) await w.stop();
    });
    await waitFor(
      async () => (await listDeliveries(stores[0]!.db)).every((r) => r.status === "delivered"),
      "every delivery to be marked delivered",
      30_000,
    );
    const receipts = [...rx.perDelivery.values()];
    expect(rx.perDelivery.size).toBe(ids.length);
    expect(receipts.filter((n) => n !== 1)).toEqual([]);
    // Both workers took part, so the claims were contended rather than one worker doing everything.
    expect(rx.perWorker.get("w0") ?? 0).toBeGreaterThan(0);
    expect(rx.perWorker.get("w1") ?? 0).toBeGreaterThan(0);
    const rows = await listDeliveries(stores[1]!.db);
    expect(rows.every((r) => r.claimed_by === null && r.attempts === 1)).toBe(true);
  });

  it("a claim whose lease ran out (its process died mid-send) is taken over and sent once", async (ctx) => {
    if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
    const shared = await makeShared();
    cleanups.push(() => shared.cleanup());
    const rx = await countingReceiver(0);
    cleanups.push(() => rx.close());
    const store = shared.open();
    cleanups.push(() => store.close());
    await store.migrate();
    await queue(store, [1, 2, 3]);
    const now = Date.now();
    // A process claims two deliveries with a short lease and dies before sending them.
    const dead = await claimDeliveries(store, {
      sink: SINK,
      owner: "dead-process",
      now: isoUtc(now),
      leaseUntil: isoUtc(now + 3_000),
      limit: 2,
    });
    expect(dead.map((d) => d.anomaly_id)).toEqual([1, 2]);
    // While the lease holds, a live claimer gets only the third.
    const live = await claimDeliveries(store, {
      sink: SINK,
      owner: "live",
      now: isoUtc(now + 1),
      leaseUntil: isoUtc(now + 60_000),
      limit: 10,
    });
    expect(live.map((d) => d.anomaly_id)).toEqual([3]);
    await sql`update deliveries set claimed_by = null, claim_expires_at = null where claimed_by = 'live'`.execute(
      store.db,
    );
    // The worker's clock is moved by hand: on a loaded machine the wall clock could pass the lease before
    // the worker's first poll, and the check that the lease holds would then fail.
    const clock = new FakeClock(now + 1);
    const worker = new SinkDispatcher(store, [webhook(rx.url, "w")], clock, log, { pollMs: 20 });
    await worker.start();
    cleanups.push(() => worker.stop());
    // Delivery 3 goes at once; 1 and 2 only after the dead process's lease ran out.
    const delivered = async () =>
      (await listDeliveries(store.db)).filter((r) => r.status === "delivered").length;
    // Received, then marked: the receiver counts a request before the worker has written its outcome.
    await waitFor(
      async () => rx.perDelivery.size === 1 && (await delivered()) === 1,
      "the unclaimed delivery",
    );
    await sleep(300); // several polls while the lease holds
    expect(rx.perDelivery.size).toBe(1);
    expect(await delivered()).toBe(1);
    clock.set(now + 3_001);
    await waitFor(
      async () => (await listDeliveries(store.db)).every((r) => r.status === "delivered"),
      "the expired claims to be taken over",
    );
    expect([...rx.perDelivery.values()]).toEqual([1, 1, 1]);
  });
});
