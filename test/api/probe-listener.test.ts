import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenForProbes, type ProbeListener } from "../../src/api/probe-listener.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer;
let probes: ProbeListener;
let probeUrl: string;

beforeAll(async () => {
  server = await startTestServer();
  probes = await listenForProbes(server.app, 0, "127.0.0.1", 1_000);
  probeUrl = `http://127.0.0.1:${probes.port}`;
});

afterAll(async () => {
  await probes.close();
  await server.close();
});

/**
 * Fetches `url` from another thread `delayMs` after this one starts busy-waiting, and keeps this thread's
 * event loop blocked (as a long batch or a garbage collection would) until that answer has arrived, or
 * `capMs` at most. The delay runs from the moment this thread blocks, not from the worker's start (which
 * takes hundreds of milliseconds on a loaded machine), so a slow start cannot move the request past the
 * block. `released` says whether the answer, not the cap, ended the block: an answer that needed this
 * thread's event loop could only arrive after the cap.
 */
async function probeWhileBlocked(url: string, delayMs: number, capMs = 10_000) {
  const answered = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     const answered = new Int32Array(workerData.answered);
     parentPort.once("message", () => setTimeout(async () => {
       const t = performance.now();
       try {
         const res = await fetch(workerData.url);
         parentPort.postMessage({ status: res.status, body: await res.json(), ms: performance.now() - t });
       } catch (error) {
         parentPort.postMessage({ error: String(error) });
       }
       Atomics.store(answered, 0, 1);
     }, workerData.delayMs));
     parentPort.postMessage("ready");`,
    { eval: true, workerData: { url, delayMs, answered: answered.buffer } },
  );
  const messages: unknown[] = [];
  let wake: (() => void) | undefined;
  worker.on("message", (m) => {
    messages.push(m);
    wake?.();
  });
  const next = async (): Promise<unknown> => {
    while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return messages.shift();
  };
  try {
    expect(await next()).toBe("ready");
    worker.postMessage("go");
    const end = Date.now() + capMs;
    while (Atomics.load(answered, 0) === 0 && Date.now() < end) {
      // busy: this thread's event loop does not turn
    }
    const released = Atomics.load(answered, 0) === 1;
    const result = (await next()) as {
      status: number;
      body: Record<string, unknown>;
      ms: number;
      error?: string;
    };
    expect(result.error).toBeUndefined();
    return { ...result, released };
  } finally {
    await worker.terminate();
  }
}

describe("probe port (HEALTH_PORT)", () => {
  it("answers /health, /health/live and /health/ready as the main port does", async () => {
    for (const path of ["/health", "/health/live", "/health/ready"]) {
      const res = await fetch(`${probeUrl}${path}`);
      const main = await server.app.inject({ method: "GET", url: path });
      expect(res.status, path).toBe(main.statusCode);
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort(), path).toEqual(Object.keys(main.json() as object).sort());
    }
  });

  it("answers nothing else, not even with a valid token", async () => {
    for (const path of ["/api/v1/anomalies", "/ingest", "/metrics", "/healthz", "/health/live/x"]) {
      const res = await fetch(`${probeUrl}${path}`, { headers: auth });
      expect(res.status, path).toBe(404);
    }
  });

  it("answers /health/live on its own thread while the main event loop is busy", async () => {
    const { status, body, released } = await probeWhileBlocked(`${probeUrl}/health/live`, 300);
    expect(status).toBe(200);
    expect(body).toEqual({ status: "alive" });
    // Answered while this thread was still blocked: the answer, not the cap, ended the block.
    expect(released).toBe(true);
  });

  it("fails /health/live once the main event loop has not turned for the stall limit", async () => {
    // Asked 1.3 s into the block, past the 1 s stall limit the listener was given.
    const { status, body, released } = await probeWhileBlocked(`${probeUrl}/health/live`, 1_300);
    expect(released).toBe(true);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "stalled" });
    expect(body.event_loop_stalled_ms).toBeGreaterThanOrEqual(1_000);
    // Turning again, it is alive again.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await fetch(`${probeUrl}/health/live`)).status).toBe(200);
  });
});
