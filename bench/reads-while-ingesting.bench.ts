/**
 * Searches and histograms while ingest runs, on the segment store (issue 18): `logwarden serve` with
 * LOG_STORE=segments and LOG_READ_THREADS=2 (the default: scans on threads of their own) against
 * LOG_READ_THREADS=0 (scans decode segments on the event loop), in turns. Each run first ingests for
 * PRELOAD_SECS so there is a store to scan, waits for sealing to catch up, then for SECS runs at once:
 * autocannon ingest (4 connections), one client that searches for a word no line holds and asks for the
 * histogram of everything, back to back (the scans that read the whole store), and a probe of
 * `/health/live` on the main port every 20 ms. Reports stored lines/s during the load, scans done and
 * their median, and the probe's p50/p99.
 *
 *   npm run bench:reads                      # 2 rounds
 *   BENCH_ROUNDS=3 BENCH_SECS=20 npm run bench:reads
 */
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import { INGEST_LINES_PER_REQUEST, ingestBodies, withServer } from "./lib/ingest-server.js";
import { fmt, loadAverages, machineLine, median, table, writeBenchSection } from "./lib/report.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SECS = Number(process.env.BENCH_SECS ?? 15);
const PRELOAD_SECS = Number(process.env.BENCH_PRELOAD_SECS ?? 20);
const CONNECTIONS = 4;
const PROBE_EVERY_MS = 20;
const AUTH = { authorization: "Bearer bench-admin" };
const THREADS = [2, 0] as const;

interface Run {
  readThreads: number;
  round: number;
  preloaded: number;
  linesPerSec: number;
  scans: number;
  scanP50: number;
  probeP50: number;
  probeP99: number;
  probeMax: number;
}

const percentile = (xs: number[], p: number) =>
  xs.length === 0
    ? Number.NaN
    : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

/** Lines ingested and lines not yet sealed, from the server's own metrics. */
async function storedLines(url: string): Promise<{ stored: number; unsealed: number }> {
  const text = await (await fetch(`${url}/metrics`, { headers: AUTH })).text();
  // Summed over its labels (the ingest counter has one series per source).
  const value = (name: string) =>
    [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))].reduce(
      (a, m) => a + Number(m[1]),
      0,
    );
  return { stored: value("logwarden_ingest_records_total"), unsealed: value("logwarden_log_unsealed_lines") };
}

function ingest(url: string, bodies: string[], secs: number) {
  let i = 0;
  return autocannon({
    url: `${url}/ingest`,
    connections: CONNECTIONS,
    duration: secs,
    method: "POST",
    headers: { ...AUTH, "content-type": "application/x-ndjson" },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length]! }) }],
  });
}

/** Runs `once` back to back until `stop`, returning each call's milliseconds. */
async function loop(stop: { done: boolean }, once: () => Promise<void>, pauseMs = 0): Promise<number[]> {
  const ms: number[] = [];
  while (!stop.done) {
    const t0 = performance.now();
    await once();
    ms.push(performance.now() - t0);
    if (pauseMs > 0) await sleep(pauseMs);
  }
  return ms;
}

async function runOnce(readThreads: number, round: number, bodies: string[]): Promise<Run> {
  const env = { LOG_STORE: "segments", LOG_READ_THREADS: String(readThreads) };
  return withServer(`reads-${readThreads}`, env, async ({ url }) => {
    await ingest(url, bodies, PRELOAD_SECS);
    while ((await storedLines(url)).unsealed >= 16_384) await sleep(250);
    const before = (await storedLines(url)).stored;
    const stop = { done: false };
    const get = async (path: string) => {
      const res = await fetch(`${url}${path}`, { headers: AUTH });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
    };
    let scanTurn = 0;
    const t0 = performance.now();
    const [, scans, probes] = await Promise.all([
      ingest(url, bodies, SECS).then(() => {
        stop.done = true;
      }),
      loop(stop, () =>
        get(scanTurn++ % 2 === 0 ? "/api/v1/logs?q=nosuchwordanywhere&limit=50" : "/api/v1/logs/histogram"),
      ),
      loop(stop, () => get("/health/live"), PROBE_EVERY_MS),
    ]);
    const secs = (performance.now() - t0) / 1000;
    const stored = (await storedLines(url)).stored - before;
    const run: Run = {
      readThreads,
      round,
      preloaded: before,
      linesPerSec: stored / secs,
      scans: scans.length,
      scanP50: median(scans),
      probeP50: percentile(probes, 0.5),
      probeP99: percentile(probes, 0.99),
      probeMax: Math.max(...probes),
    };
    console.log(JSON.stringify(run));
    return run;
  });
}

async function main(): Promise<void> {
  const loadStart = loadAverages();
  const bodies = ingestBodies(200);
  const runs: Run[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? THREADS : [...THREADS].reverse();
    for (const n of order) runs.push(await runOnce(n, round, bodies));
  }
  const med = (n: number, f: (r: Run) => number) => median(runs.filter((r) => r.readThreads === n).map(f));
  const md = [
    "## Reads while ingesting, segment store (`npm run bench:reads`)",
    "",
    `${machineLine()} Load average: ${loadStart} → ${loadAverages()} (1/5/15 min).`,
    `\`logwarden serve\` (built, as \`npm start\` runs it; SQLite, \`LOG_STORE=segments\`) with its scans on read threads (\`LOG_READ_THREADS=2\`, the ` +
      `default) and on the event loop (\`0\`), in turns (${ROUNDS} rounds). Each run ingests for ${PRELOAD_SECS} s first ` +
      `(NDJSON bodies of ${INGEST_LINES_PER_REQUEST.toLocaleString("en")} LogHub-2k lines, as bench:ingest), waits for ` +
      `sealing, then for ${SECS} s at once: ingest (autocannon, ${CONNECTIONS} connections), one client alternating a ` +
      "search for a word no line holds and the histogram of all lines (the scans that read every segment), back to " +
      `back, and \`GET /health/live\` on the main port every ${PROBE_EVERY_MS} ms.`,
    "",
    table(
      [
        "read threads",
        "round",
        "lines before",
        "ingest lines/s",
        "scans",
        "scan p50 ms",
        "/health/live p50 ms",
        "p99 ms",
        "max ms",
      ],
      runs.map((r) => [
        r.readThreads,
        r.round,
        fmt(r.preloaded),
        fmt(r.linesPerSec),
        r.scans,
        fmt(r.scanP50),
        fmt(r.probeP50, 1),
        fmt(r.probeP99, 1),
        fmt(r.probeMax, 1),
      ]),
    ),
    "",
    `Medians: with read threads ${fmt(med(2, (r) => r.linesPerSec))} lines/s ingested, /health/live p99 ` +
      `${fmt(
        med(2, (r) => r.probeP99),
        1,
      )} ms, ${fmt(med(2, (r) => r.scans))} scans; on the event loop ` +
      `${fmt(med(0, (r) => r.linesPerSec))} lines/s, p99 ${fmt(
        med(0, (r) => r.probeP99),
        1,
      )} ms, ` +
      `${fmt(med(0, (r) => r.scans))} scans. **Threads / event loop: ${(med(2, (r) => r.linesPerSec) / med(0, (r) => r.linesPerSec)).toFixed(2)}× ` +
      `the ingest rate, ${(med(2, (r) => r.probeP99) / med(0, (r) => r.probeP99)).toFixed(2)}× the probe's p99.**`,
  ].join("\n");
  console.log(`\n${md}`);
  writeBenchSection("reads", md);
}

await main();
