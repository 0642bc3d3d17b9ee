import { Worker } from "node:worker_threads";
import type { FastifyInstance } from "fastify";
import { workerSource } from "../core/worker-source.js";
import { probeWorkerMain } from "./probe-worker.js";

/** How often the main thread proves its event loop turns. */
const HEARTBEAT_MS = 100;
/**
 * A main event loop that has not turned for this long is wedged: `/health/live` answers 503, so an
 * orchestrator restarts the process. Far above the longest turn measured under 3× overload (about 0.5 s).
 */
export const PROBE_STALL_MS = 30_000;

/** The probe port: where it listens, and how to close it. */
export interface ProbeListener {
  port: number;
  close(): Promise<void>;
}

interface RelayRequest {
  kind: "request";
  id: number;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

type WorkerMessage = RelayRequest | { kind: "listening"; port: number } | { kind: "error"; message: string };

/**
 * A listening socket for liveness and readiness probes only, on a thread of its own (`HEALTH_PORT`; off
 * when unset). Under overload the main event loop takes turns of tens to hundreds of milliseconds (and
 * libuv accepts one connection per turn per socket), so a probe answered there waited that long: p99 103
 * to 281 ms in docs/reliability.md. The probe thread answers `/health/live` at once from the main loop's
 * heartbeat (probe-worker.ts) and relays `/health` and `/health/ready` to the app, whose answers need the
 * store and the models.
 */
export async function listenForProbes(
  app: FastifyInstance,
  port: number,
  host: string,
  stallMs = PROBE_STALL_MS,
): Promise<ProbeListener> {
  await app.ready();
  const heartbeat = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
  const beat = new Float64Array(heartbeat);
  beat[0] = Date.now();
  const timer = setInterval(() => {
    beat[0] = Date.now();
  }, HEARTBEAT_MS);
  timer.unref();
  const worker = new Worker(workerSource(probeWorkerMain), {
    eval: true,
    workerData: { heartbeat, stallMs, port, host },
  });
  // The probe thread alone must not keep the process alive.
  worker.unref();
  const close = async () => {
    clearInterval(timer);
    await worker.terminate();
  };
  const listening = new Promise<number>((resolve, reject) => {
    worker.on("error", reject);
    worker.on("message", (m: WorkerMessage) => {
      if (m.kind === "listening") resolve(m.port);
      else if (m.kind === "error") reject(new Error(`HEALTH_PORT ${port}: ${m.message}`));
      else void relay(app, worker, m);
    });
  });
  try {
    return { port: await listening, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Headers as one string each (repeated ones joined), leaving out `skip`: what a message between threads carries. */
function flatHeaders(
  headers: Record<string, string | string[] | number | undefined>,
  skip: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !skip.includes(name))
      out[name] = Array.isArray(value) ? value.join(", ") : String(value);
  return out;
}

/** Answers a relayed probe through the app, as the main port would. */
async function relay(app: FastifyInstance, worker: Worker, m: RelayRequest): Promise<void> {
  try {
    const res = await app.inject({
      method: m.method === "HEAD" ? "HEAD" : "GET",
      url: m.url,
      headers: flatHeaders(m.headers),
    });
    // The probe thread's response sets its own length and framing for the body it is handed.
    const headers = flatHeaders(res.headers, ["content-length", "transfer-encoding"]);
    worker.postMessage({ id: m.id, status: res.statusCode, headers, body: res.body });
  } catch {
    worker.postMessage({
      id: m.id,
      status: 500,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ error: "Internal Server Error", message: "the probe could not be answered" }),
    });
  }
}
