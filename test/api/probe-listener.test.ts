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

/** Blocks this thread's event loop for `ms`, as a long batch or a garbage collection would. */
function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

/**
 * Fetches `url` from another thread after `delayMs`, while this one may be blocked; resolves with the
 * status, body and how long the answer took.
 */
function probeFromAnotherThread(url: string, delayMs: number) {
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     setTimeout(async () => {
       const t = performance.now();
       const res = await fetch(workerData.url);
       parentPort.postMessage({ status: res.status, body: await res.json(), ms: performance.now() - t });
     }, workerData.delayMs);`,
    { eval: true, workerData: { url, delayMs } },
  );
  return new Promise<{ status: number; body: Record<string, unknown>; ms: number }>((resolve, reject) => {
    worker.once("message", (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once("error", reject);
  });
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
    const answer = probeFromAnotherThread(`${probeUrl}/health/live`, 300);
    blockFor(800);
    const { status, body, ms } = await answer;
    expect(status).toBe(200);
    expect(body).toEqual({ status: "alive" });
    // Answered during the 800 ms this thread was blocked, not after it.
    expect(ms).toBeLessThan(400);
  });

  it("fails /health/live once the main event loop has not turned for the stall limit", async () => {
    const answer = probeFromAnotherThread(`${probeUrl}/health/live`, 1_400);
    blockFor(1_800);
    const { status, body } = await answer;
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "stalled" });
    expect(body.event_loop_stalled_ms).toBeGreaterThanOrEqual(1_000);
    // Turning again, it is alive again.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await fetch(`${probeUrl}/health/live`)).status).toBe(200);
  });
});
