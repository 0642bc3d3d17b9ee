import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sinkSchema } from "../../src/config/sink-schema.js";
import { systemClock } from "../../src/core/clock.js";
import type { Sink } from "../../src/core/sink.js";
import { backoffMs, SinkDispatcher } from "../../src/service/sink-dispatcher.js";
import { ElasticsearchSink } from "../../src/sinks/elasticsearch.js";
import { registerSinkMetrics } from "../../src/sinks/metrics.js";
import { listDeliveries } from "../../src/store/repos/deliveries.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { ScriptedSink } from "../helpers/scripted-sink.js";
import { finding, storeFindings } from "../helpers/stored-findings.js";
import { sqliteTestStore, type TestStore } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

const log = createLogger("silent");
const fast = { pollMs: 20, baseDelayMs: 20, maxDelayMs: 100 };

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
    const [a1, a2, a3, a4] = await storeFindings(ts.store.db, [
      finding("one", { severity: "low" }),
      finding("two", { severity: "critical" }),
      finding("three", { severity: "medium", detector: "new_template", service: "api" }),
      finding("four", { severity: "medium", detector: "new_template", service: "auth" }),
    ]);
    d.notify([a1!, a2!, a3!, a4!]);
    await waitFor(
      async () => (await statuses()).length === 6 && (await statuses()).every((s) => s[1] === "delivered"),
      "deliveries",
    );
    expect((await statuses("all")).map((s) => s[0])).toEqual([a1!.id, a2!.id, a3!.id, a4!.id]);
    expect((await statuses("high-only")).map((s) => s[0])).toEqual([a2!.id]);
    expect((await statuses("picky")).map((s) => s[0])).toEqual([a3!.id]);
  });

  it("retries with backoff until delivered, gives up on permanent errors and after maxAttempts", async () => {
    const sink = new ScriptedSink("flaky", { minSeverity: "low" }, 3);
    sink.answer = (i) => {
      if (i.anomaly.key === "one")
        return i.attempt < 3 ? { ok: false, error: "503", retryable: true } : { ok: true };
      if (i.anomaly.key === "two") return { ok: false, error: "400 bad payload", retryable: false };
      return { ok: false, error: "timeout", retryable: true };
    };
    const registry = new Registry();
    registerSinkMetrics(registry);
    registerSinkMetrics(registry);
    const d = await dispatcher([sink]);
    const [a1, a2, a3] = await storeFindings(ts.store.db, [finding("one"), finding("two"), finding("three")]);
    d.notify([a1!, a2!, a3!]);
    await waitFor(async () => {
      const s = await statuses();
      return s.length === 3 && s.every((x) => x[1] === "delivered" || x[1] === "dead");
    }, "every delivery to settle");
    expect(await statuses()).toEqual([
      [a1!.id, "delivered", 3],
      [a2!.id, "dead", 1],
      [a3!.id, "dead", 3],
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
    const store = async (key: string) => (await storeFindings(ts.store.db, [finding(key)]))[0]!;
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
    const stored = await storeFindings(ts.store.db, [finding("one"), finding("two"), finding("three")]);
    d.notify(stored);
    const [id1, id2, id3] = stored.map((a) => a.id);
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
      `logwarden-anomaly-${id1}`,
      `logwarden-anomaly-${id2}`,
      `logwarden-anomaly-${id3}`,
    ]);
    expect(ids(rx.requests[1]!.body)).toEqual([`logwarden-anomaly-${id1}`]);
    expect(await statuses()).toEqual([
      [id1, "delivered", 2],
      [id2, "delivered", 1],
      [id3, "delivered", 1],
    ]);
  });
});
