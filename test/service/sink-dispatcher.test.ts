import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sinkSchema } from "../../src/config/sink-schema.js";
import { systemClock } from "../../src/core/clock.js";
import type { DeliveryItem, DeliveryOutcome, Sink } from "../../src/core/sink.js";
import { backoffMs, SinkDispatcher } from "../../src/service/sink-dispatcher.js";
import { ElasticsearchSink } from "../../src/sinks/elasticsearch.js";
import { registerSinkMetrics } from "../../src/sinks/metrics.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { listDeliveries } from "../../src/store/repos/deliveries.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { sqliteTestStore, type TestStore } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";
import { storedAnomaly } from "../sinks/fixtures.js";

const log = createLogger("silent");
const fast = { pollMs: 20, baseDelayMs: 20, maxDelayMs: 100 };

/** A sink whose answers the test scripts; records every batch it is handed. */
class ScriptedSink implements Sink {
  readonly type = "scripted";
  readonly batches: DeliveryItem[][] = [];
  answer: (item: DeliveryItem) => DeliveryOutcome = () => ({ ok: true });
  constructor(
    readonly name: string,
    readonly route: Sink["route"] = { minSeverity: "low" },
    readonly maxAttempts = 5,
    readonly batchSize = 10,
  ) {}
  async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome[]> {
    this.batches.push([...items]);
    return items.map((i) => this.answer(i));
  }
  async close(): Promise<void> {}
}

let ts: TestStore;
let dispatchers: SinkDispatcher[] = [];
let rx: Receiver | undefined;

beforeEach(async () => {
  ts = await sqliteTestStore();
});
afterEach(async () => {
  for (const d of dispatchers) await d.stop();
  dispatchers = [];
  await rx?.close();
  rx = undefined;
  await ts.cleanup();
});

async function dispatcher(sinks: Sink[], options = fast): Promise<SinkDispatcher> {
  const d = new SinkDispatcher(ts.store, sinks, systemClock, log, options);
  await d.start();
  dispatchers.push(d);
  return d;
}

async function statuses(sink?: string) {
  return (await listDeliveries(ts.store.db, sink ? { sink } : {})).map((r) => [
    r.anomaly_id,
    r.status,
    r.attempts,
  ]);
}

describe("sink dispatcher", () => {
  it("routes by minimum severity, detector and service", async () => {
    const all = new ScriptedSink("all");
    const slackLike = new ScriptedSink("high-only", { minSeverity: "high" });
    const picky = new ScriptedSink("picky", {
      minSeverity: "low",
      detectors: ["new_template"],
      services: ["api"],
    });
    const d = await dispatcher([all, slackLike, picky]);
    d.notify([
      storedAnomaly({ id: 1, severity: "low" }),
      storedAnomaly({ id: 2, severity: "critical" }),
      storedAnomaly({ id: 3, severity: "medium", detector: "new_template", service: "api" }),
      storedAnomaly({ id: 4, severity: "medium", detector: "new_template", service: "auth" }),
    ]);
    await waitFor(
      async () => (await statuses()).length === 6 && (await statuses()).every((s) => s[1] === "delivered"),
      "deliveries",
    );
    expect((await statuses("all")).map((s) => s[0])).toEqual([1, 2, 3, 4]);
    expect((await statuses("high-only")).map((s) => s[0])).toEqual([2]);
    expect((await statuses("picky")).map((s) => s[0])).toEqual([3]);
  });

  it("retries with backoff until delivered, gives up on permanent errors and after maxAttempts", async () => {
    const sink = new ScriptedSink("flaky", { minSeverity: "low" }, 3);
    sink.answer = (i) => {
      if (i.anomaly.id === 1)
        return i.attempt < 3 ? { ok: false, error: "503", retryable: true } : { ok: true };
      if (i.anomaly.id === 2) return { ok: false, error: "400 bad payload", retryable: false };
      return { ok: false, error: "timeout", retryable: true };
    };
    const registry = new Registry();
    registerSinkMetrics(registry);
    registerSinkMetrics(registry);
    const d = await dispatcher([sink]);
    d.notify([storedAnomaly({ id: 1 }), storedAnomaly({ id: 2 }), storedAnomaly({ id: 3 })]);
    await waitFor(async () => {
      const s = await statuses();
      return s.length === 3 && s.every((x) => x[1] === "delivered" || x[1] === "dead");
    }, "every delivery to settle");
    expect(await statuses()).toEqual([
      [1, "delivered", 3],
      [2, "dead", 1],
      [3, "dead", 3],
    ]);
    const rows = await listDeliveries(ts.store.db);
    expect(rows[2]!.last_error).toBe("timeout");
    const text = await registry.metrics();
    expect(text).toMatch(
      /logwarden_sink_deliveries_total\{sink="flaky",type="scripted",outcome="delivered"\} 1/,
    );
    expect(text).toMatch(/logwarden_sink_deliveries_total\{sink="flaky",type="scripted",outcome="dead"\} 2/);
    expect(text).toMatch(
      /logwarden_sink_deliveries_total\{sink="flaky",type="scripted",outcome="failed"\} 4/,
    );
  });

  it("spreads retries with exponential backoff and jitter", () => {
    const opts = { baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect(backoffMs(1, { ...opts, random: () => 0 })).toBe(500);
    expect(backoffMs(1, { ...opts, random: () => 1 })).toBe(1000);
    expect(backoffMs(4, { ...opts, random: () => 0.5 })).toBe(6000);
    expect(backoffMs(20, { ...opts, random: () => 1 })).toBe(60_000);
  });

  it("resumes pending deliveries after a restart, and queues anomalies stored while it was down", async () => {
    const store = async (key: string) => {
      const [row] = await storeAnomalies(
        ts.store.db,
        [
          {
            detector: "error_burst",
            type: "error_burst",
            timestamp: "2026-02-01T10:00:00.000Z",
            service: "auth",
            key,
            score: 0.9,
            severity: "high",
            description: `burst ${key}`,
            features: {},
            explanation: { summary: `burst ${key}`, observed: {}, expected: {} },
            evidence: [],
          },
        ],
        "2026-02-01T10:00:00.000Z",
      );
      return row!.anomaly;
    };
    const down = new ScriptedSink("hook");
    down.answer = () => ({ ok: false, error: "ECONNREFUSED", retryable: true });
    const first = await dispatcher([down], { ...fast, baseDelayMs: 60_000, maxDelayMs: 60_000 });
    const a = await store("one");
    first.notify([a]);
    await waitFor(async () => (await statuses())[0]?.[1] === "failed", "a failed first attempt");
    await first.stop();
    dispatchers = [];
    // Stored while no dispatcher ran (the process died between the commit and the hand-over).
    const b = await store("two");
    // The retry is due now (as if its backoff had passed while we were down).
    await ts.store.db
      .updateTable("deliveries")
      .set({ next_attempt_at: "2000-01-01T00:00:00.000Z" })
      .execute();
    const up = new ScriptedSink("hook");
    await dispatcher([up]);
    await waitFor(async () => {
      const s = await statuses();
      return s.length === 2 && s.every((x) => x[1] === "delivered");
    }, "both deliveries");
    expect(up.batches.flat().map((i) => i.anomaly.id)).toEqual([a.id, b.id]);
    expect(await statuses()).toEqual([
      [a.id, "delivered", 2],
      [b.id, "delivered", 1],
    ]);
  });

  it("elasticsearch: retries only the items the bulk response failed", async () => {
    rx = await startReceiver();
    rx.respond = (req, n) => {
      const docs = req.body
        .trimEnd()
        .split("\n")
        .filter((_, i) => i % 2 === 0);
      const items = docs.map((_, i) => ({
        index:
          n === 1 && i === 0
            ? { status: 503, error: { type: "unavailable_shards_exception" } }
            : { status: 201 },
      }));
      return {
        status: 200,
        body: JSON.stringify({ errors: items.some((x) => x.index.status >= 300), items }),
      };
    };
    const config = sinkSchema.parse({ type: "elasticsearch", url: rx.url });
    if (config.type !== "elasticsearch") throw new Error("unexpected");
    const d = await dispatcher([new ElasticsearchSink("es", config)]);
    d.notify([storedAnomaly({ id: 21 }), storedAnomaly({ id: 22 }), storedAnomaly({ id: 23 })]);
    await waitFor(async () => {
      const s = await statuses();
      return s.length === 3 && s.every((x) => x[1] === "delivered");
    }, "all three indexed");
    expect(rx.requests).toHaveLength(2);
    const ids = (body: string) =>
      body
        .trimEnd()
        .split("\n")
        .filter((_, i) => i % 2 === 0)
        .map((l) => JSON.parse(l).index._id);
    expect(ids(rx.requests[0]!.body)).toEqual([
      "logwarden-anomaly-21",
      "logwarden-anomaly-22",
      "logwarden-anomaly-23",
    ]);
    expect(ids(rx.requests[1]!.body)).toEqual(["logwarden-anomaly-21"]);
    expect(await statuses()).toEqual([
      [21, "delivered", 2],
      [22, "delivered", 1],
      [23, "delivered", 1],
    ]);
  });
});
