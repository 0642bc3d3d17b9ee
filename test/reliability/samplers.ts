import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";

export interface Sample {
  /** Milliseconds since the sampler started. */
  at: number;
  ms: number;
  /** HTTP status, or 0 when the request failed or timed out. */
  status: number;
}

export interface Sampler {
  stop(): Promise<Sample[]>;
}

/**
 * Requests `url` every `intervalMs` from a worker thread, each on a fresh connection as a liveness probe
 * would, and records how long the answer took. A thread of its own, so the load the test drives from the
 * main thread does not delay the probe's own timing.
 */
export function startSampler(url: string, intervalMs: number, headers: Record<string, string> = {}): Sampler {
  const worker = new Worker(SAMPLER_SOURCE, { eval: true, workerData: { url, intervalMs, headers } });
  const done = new Promise<Sample[]>((resolve, reject) => {
    worker.once("message", (samples: Sample[]) => resolve(samples));
    worker.once("error", reject);
  });
  return {
    async stop() {
      worker.postMessage("stop");
      const samples = await done;
      await worker.terminate();
      return samples;
    },
  };
}

const SAMPLER_SOURCE = `
const http = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const { url, intervalMs, headers } = workerData;
const samples = [];
const t0 = performance.now();
let stopping = false;
parentPort.on("message", () => { stopping = true; });
function once() {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = http.get(url, { agent: false, headers, timeout: 10000 }, (res) => {
      res.resume();
      res.on("end", () => resolve({ at: start - t0, ms: performance.now() - start, status: res.statusCode }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ at: start - t0, ms: performance.now() - start, status: 0 }));
  });
}
(async () => {
  let next = performance.now();
  while (!stopping) {
    samples.push(await once());
    next += intervalMs;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else next = performance.now();
  }
  parentPort.postMessage(samples);
})();
`;

/** The value below which `p` (0..1) of the values fall (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Resident and peak resident memory of a process, MiB, from /proc (Linux). */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib("VmRSS") / 1024, hwmMiB: kib("VmHWM") / 1024 };
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Connections waiting to be accepted on a listening TCP port of this host (IPv4), from /proc/net/tcp
 * (Linux): for a socket in LISTEN state `rx_queue` is its accept queue. libuv accepts one connection per
 * event-loop iteration, so a busy loop shows here as a growing queue.
 */
export function acceptQueueOf(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const [, local, , state, queues] = line.trim().split(/\s+/);
    if (state === "0A" && local?.endsWith(`:${hexPort}`)) return Number.parseInt(queues!.split(":")[1]!, 16);
  }
  return Number.NaN;
}
