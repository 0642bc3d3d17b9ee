import { loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import { ADMIN_TOKEN, IngestClient } from "./ndjson-client.js";
import { acceptQueueOf, memoryOf, percentile, round, type Sample, startSampler } from "./samplers.js";
import { type ProbeTarget, sqliteTarget } from "./store-probe.js";

const READ_TOKEN = "reliability-read-token";
/** Lines per request: what log shippers send (Vector, Fluent Bit batch about this much). */
const LINES_PER_REQUEST = 500;
const MEASURE_SECS = 5;
const OVERLOAD_SECS = 15;
const OVERLOAD_FACTOR = 3;
/** Senders that measure the sustained rate, each one request after another. */
const CLOSED_LOOP_SENDERS = 12;
/** Requests open at once during the overload: enough that the 200,000-record queue can fill. */
const MAX_IN_FLIGHT = 1_000;
/** An answer slower than this is a failure: an overloaded server must refuse, not stall. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * What the server holds under overload (docs/reliability.md has the figures of runs). Times are the
 * server's own (its request log: from the parsed headers to the answer): on a shared 2-core machine the
 * time before the server reads a request is the event loop's, which a batch holds (see the report's
 * client-side figures and the 100 ms `/health/live` target, reported as `healthLiveTargetMet`).
 */
const BOUNDS = {
  /**
   * A refusal is decided from the headers: no body read, no queue (45-110 ms p99 seen at load 7-11; the
   * auth guard before it may wait for the store while a batch holds it).
   */
  rejectionServerP99Ms: 500,
  /** An accepted answer waits at most about INGEST_QUEUE_MAX_WAIT_SECS (5) behind what was let in. */
  acceptedServerMaxMs: 15_000,
  /** The liveness handler itself (10-30 ms p99 seen at load 7-11). */
  healthLiveServerP99Ms: 100,
  /** Issue 17's target for `/health/live` as a prober sees it: reported (`healthLiveTargetMet`), see below. */
  healthLiveTargetP99Ms: 100,
  /**
   * `/health/live` on the main port as the prober sees it, a fresh connection each time. A batch now lets
   * the event loop in every 10 ms (batch-runner.ts SLICE_MS): 0.3-1.3 s p99 seen at load 14-17, where
   * it was 8-10 s with timed-out probes (one 500-line batch held the loop 100-200 ms, and libuv accepts one
   * connection per loop turn). On a quiet machine it is near the 100 ms target; the bound is for a loaded one.
   */
  mainPortP99Ms: 3_000,
  /**
   * `/health/live` on HEALTH_PORT as the prober sees it: issue 17's target. That port is answered on a
   * thread of its own from the main loop's heartbeat (probe-listener.ts): p99 16.6 ms at 3× overload
   * (load 1.8), where it was 0.5-0.6 s at load 15-17 when the main loop answered it.
   */
  probePortP99Ms: 100,
  peakRssMiB: 1_024,
  /**
   * Within this long after the overload RSS must be below `settledRssMiB` and within `settledGrowthMiB` of
   * where it was before. It does not come all the way back, and that is not something kept alive: where a
   * collection ran after the overload the V8 heap in use was back at its level (47 -> 50, 75 -> 68 MiB); V8
   * keeps the pages it grew (heap
   * total 158 -> 188-205 MiB) and SQLite's page cache fills with the data (up to SQLITE_CACHE_MB, 64).
   * Measured, before -> settled: 232 -> 297 and 238 -> 304 MiB (load 6-9, 4,300-5,300 lines/s sustained),
   * 324 -> 457 MiB on a quiet machine (7,300 lines/s, server from tsx, whose loader holds ~90 MiB more),
   * 343 -> 519 MiB on a quiet machine before batches yielded (12,400 lines/s). The heap in use is reported,
   * not asserted: with no allocation after the overload V8 runs no collection, so it still counts garbage.
   */
  settleSecs: 20,
  settledRssMiB: 768,
  settledGrowthMiB: 256,
};

interface Answer {
  status: number;
  ms: number;
  retryAfter: string | null;
}

// Issue 17 item 4: at three times the rate it sustains, ingest refuses with 429/503 and Retry-After quickly,
// liveness and reads keep answering, memory stays bounded, and every acknowledged line is stored.
describe("ingest at three times its sustained rate", () => {
  let target: ProbeTarget | undefined;
  let server: ServeProcess | undefined;
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await target?.cleanup();
  });

  it("refuses the excess with Retry-After, stays live and readable, and stores every acknowledged line", async () => {
    target = sqliteTarget();
    server = await startServe(
      {
        ...target.env,
        API_TOKEN: ADMIN_TOKEN,
        HEALTH_TOKEN: READ_TOKEN,
        LOG_FORMAT: "json",
        HEALTH_PORT: "0",
      },
      60_000,
    );
    const { url } = server;
    const pid = server.child.pid!;
    const client = new IngestClient(LINES_PER_REQUEST);
    const answers: Answer[] = [];
    const send = async (): Promise<void> => {
      const [seqs, body] = client.nextBatch();
      const t0 = performance.now();
      let status = 0;
      let retryAfter: string | null = null;
      try {
        const res = await fetch(`${url}/ingest`, {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/x-ndjson" },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        await res.arrayBuffer();
        status = res.status;
        retryAfter = res.headers.get("retry-after");
        if (status >= 200 && status < 300) for (const s of seqs) client.acknowledged.add(s);
      } catch {
        // Timed out or cut: counted as status 0, which the assertions refuse.
      }
      answers.push({ status, ms: performance.now() - t0, retryAfter });
    };

    // Sustained rate: senders one request after another, enough of them that the server is never idle
    // waiting for the next request (with 4, a 3x load was taken whole on a quiet machine), few enough that
    // what they keep in flight stays under INGEST_QUEUE_MAX_WAIT_SECS.
    const closedLoop = async (secs: number): Promise<number> => {
      const before = client.acknowledged.size;
      const end = performance.now() + secs * 1000;
      await Promise.all(
        Array.from({ length: CLOSED_LOOP_SENDERS }, async () => {
          while (performance.now() < end) await send();
        }),
      );
      return (client.acknowledged.size - before) / secs;
    };
    await closedLoop(1); // warm-up: the first lines of each service create its templates
    const sustainedLinesPerSec = await closedLoop(MEASURE_SECS);
    answers.length = 0;
    const baseline = memoryOf(pid);
    const heapBefore = await serverMemory(url);

    // Overload: requests issued on a clock at three times that rate, whatever the answers do.
    const health = startSampler(`${url}/health/live`, 50);
    // The same probe on the port of its own (HEALTH_PORT), where no client connection queues before it.
    const probePort = Number(/"port":(\d+)[^\n]*also on their own port/.exec(server.stderr())?.[1]);
    const probeHealth = startSampler(`http://127.0.0.1:${probePort}/health/live`, 50);
    const reads = startSampler(`${url}/api/v1/anomalies?limit=20`, 250, {
      authorization: `Bearer ${READ_TOKEN}`,
    });
    const requestsPerSec = (OVERLOAD_FACTOR * sustainedLinesPerSec) / LINES_PER_REQUEST;
    const rss: number[] = [];
    const acceptQueue: number[] = [];
    const inFlight = new Set<Promise<void>>();
    let issued = 0;
    let notIssued = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < OVERLOAD_SECS * 1000) {
      const due = Math.floor(((performance.now() - t0) / 1000) * requestsPerSec);
      for (; issued < due; issued++) {
        if (inFlight.size >= MAX_IN_FLIGHT) {
          notIssued++;
          continue;
        }
        const p: Promise<void> = send().finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      rss.push(memoryOf(pid).rssMiB);
      acceptQueue.push(acceptQueueOf(server.port));
      await sleep(20);
    }
    await Promise.all(inFlight);
    const healthSamples = await health.stop();
    const probePortSamples = await probeHealth.stop();
    const readSamples = await reads.stop();
    const afterOverload = memoryOf(pid);
    const heapAfterOverload = await serverMemory(url);

    // Memory must come back down once the queue is drained.
    const settleStart = performance.now();
    const rssBound = Math.min(BOUNDS.settledRssMiB, baseline.rssMiB + BOUNDS.settledGrowthMiB);
    let settled = memoryOf(pid).rssMiB;
    while (settled > rssBound && performance.now() - settleStart < BOUNDS.settleSecs * 1000) {
      await sleep(500);
      settled = memoryOf(pid).rssMiB;
    }
    const heapSettled = await serverMemory(url);
    const settleSecs = (performance.now() - settleStart) / 1000;

    const stored = await target.snapshot();
    const lost = [...client.acknowledged].filter((seq) => !stored.rowsPerSeq.has(seq)).length;
    const twice = [...stored.rowsPerSeq.values()].filter((n) => n > 1).length;

    const byStatus = countBy(answers.map((a) => String(a.status)));
    const rejections = answers.filter((a) => a.status === 429 || a.status === 503);
    const accepted = answers.filter((a) => a.status >= 200 && a.status < 300);
    const report = {
      /** The machine's 1-minute load average (2 cores here), since other work skews every timing. */
      loadAverage: round(loadavg()[0]!),
      sustainedLinesPerSec: Math.round(sustainedLinesPerSec),
      offeredLinesPerSec: Math.round(requestsPerSec * LINES_PER_REQUEST),
      requests: answers.length,
      notIssued,
      byStatus,
      rejectionsWithoutRetryAfter: rejections.filter((a) => !a.retryAfter).length,
      rejectionMs: latencies(rejections),
      acceptedMs: latencies(accepted),
      /** Connections the server had not accepted yet (why a fresh probe connection waits). */
      acceptQueue: { p50: percentile(acceptQueue, 0.5), max: Math.max(...acceptQueue) },
      healthLive: summary(healthSamples),
      healthLiveProbePort: summary(probePortSamples),
      /** On the probe port, where liveness probes belong (the main port's figures are `healthLive`). */
      healthLiveTargetMet:
        percentile(
          probePortSamples.map((h) => h.ms),
          0.99,
        ) < BOUNDS.healthLiveTargetP99Ms,
      readRoute: summary(readSamples),
      rssMiB: {
        before: round(baseline.rssMiB),
        peak: round(Math.max(...rss, afterOverload.rssMiB)),
        hwm: round(memoryOf(pid).hwmMiB),
        afterOverload: round(afterOverload.rssMiB),
        settled: round(settled),
        settleSecs: round(settleSecs),
      },
      /** The server's own view (`/metrics`): V8 heap reserved and used, and memory outside it. */
      serverMemoryMiB: { before: heapBefore, afterOverload: heapAfterOverload, settled: heapSettled },
      // The server's own time per answer (request log: from the parsed headers to the answer), to tell
      // time spent inside the server from time before it read the request.
      serverMs: serverSideMs(server.stderr()),
      acknowledgedLines: client.acknowledged.size,
      lost,
      storedTwice: twice,
    };
    console.info(`[reliability] overload ${JSON.stringify(report)}`);

    expect(answers.filter((a) => ![200, 201, 202, 429, 503].includes(a.status))).toEqual([]);
    expect(rejections.length).toBeGreaterThan(0);
    expect(report.rejectionsWithoutRetryAfter).toBe(0);
    const served = report.serverMs;
    expect(served["/ingest 503"]!.p99).toBeLessThan(BOUNDS.rejectionServerP99Ms);
    expect(served["/ingest 200"]!.max).toBeLessThan(BOUNDS.acceptedServerMaxMs);
    // Liveness and reads keep answering: every probe answered 200 on the main port too, the handler fast.
    expect(healthSamples.filter((s) => s.status !== 200)).toEqual([]);
    expect(healthSamples.length).toBeGreaterThan(OVERLOAD_SECS);
    expect(report.healthLive.p99).toBeLessThan(BOUNDS.mainPortP99Ms);
    expect(served["/health/live 200"]!.p99).toBeLessThan(BOUNDS.healthLiveServerP99Ms);
    // On the probe port no client connection queues before the probe: every one answered, in seconds at worst.
    expect(probePortSamples.filter((s) => s.status !== 200)).toEqual([]);
    expect(report.healthLiveProbePort.p99).toBeLessThan(BOUNDS.probePortP99Ms);
    expect(readSamples.filter((s) => s.status !== 200 && s.status !== 0)).toEqual([]);
    expect(readSamples.filter((s) => s.status === 200).length).toBeGreaterThan(0);
    expect(report.rssMiB.hwm).toBeLessThan(BOUNDS.peakRssMiB);
    expect(settled).toBeLessThan(rssBound);
    expect(lost).toBe(0);
    expect(twice).toBe(0);
  }, 180_000);
});

/** RSS, V8 heap reserved (total) and used, and external memory, MiB, from the server's `/metrics`. */
async function serverMemory(url: string): Promise<Record<string, number>> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const text = await res.text();
  const mib = (name: string) =>
    round(Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? Number.NaN) / 1048576);
  return {
    rss: mib("process_resident_memory_bytes"),
    heapTotal: mib("nodejs_heap_size_total_bytes"),
    heapUsed: mib("nodejs_heap_size_used_bytes"),
    external: mib("nodejs_external_memory_bytes"),
  };
}

function countBy(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

function latencies(answers: readonly Answer[]): { p50: number; p99: number; max: number } {
  const ms = answers.map((a) => a.ms);
  return { p50: round(percentile(ms, 0.5)), p99: round(percentile(ms, 0.99)), max: round(Math.max(...ms)) };
}

function summary(samples: readonly Sample[]): {
  n: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
} {
  const ms = samples.map((s) => s.ms);
  return {
    n: samples.length,
    p50: round(percentile(ms, 0.5)),
    p99: round(percentile(ms, 0.99)),
    max: round(Math.max(...ms)),
    failed: samples.filter((s) => s.status !== 200).length,
  };
}

/** Per route and status, p50/p99/max of the `ms` the server's request log gives. */
function serverSideMs(log: string): Record<string, { n: number; p50: number; p99: number; max: number }> {
  const byKey = new Map<string, number[]>();
  for (const line of log.split("\n")) {
    if (!line.includes('"msg":"request"')) continue;
    try {
      const entry = JSON.parse(line) as { url: string; status: number; ms: number };
      const key = `${entry.url.split("?")[0]} ${entry.status}`;
      byKey.set(key, [...(byKey.get(key) ?? []), entry.ms]);
    } catch {
      // a line cut by the read in progress
    }
  }
  return Object.fromEntries(
    [...byKey].map(([key, ms]) => [
      key,
      {
        n: ms.length,
        p50: round(percentile(ms, 0.5)),
        p99: round(percentile(ms, 0.99)),
        max: round(Math.max(...ms)),
      },
    ]),
  );
}
