/**
 * The pipeline's two ways through a batch on the segment store, alternated in one process: streamed (each
 * 50-record slice read, mined, appended and detected, then let go: `LogStore.openAppend`) and whole (the
 * batch mined, then appended, then detected: the same store with `openAppend` taken away). Two in-process
 * servers (`app.inject`, no sockets) take the bench:ingest NDJSON bodies, CONN requests in flight.
 * Prints per round and as medians: lines/s, process CPU µs a line (all threads), GC pause µs a line,
 * scavenges, and the MB V8 promoted to the old generation (from `--trace-gc-nvp` of a child process).
 *
 *   npx tsx bench/ingest-stream-ab.ts            (env N bodies a round, ROUNDS, CONN)
 */
import { spawn } from "node:child_process";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { auth, startTestServer, type TestServer } from "../test/helpers/runtime.js";
import { INGEST_LINES_PER_REQUEST, ingestBodies } from "./lib/ingest-server.js";
import { median } from "./lib/report.js";

const N = Number(process.env.N ?? 24);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const CONN = Number(process.env.CONN ?? 4);
type Way = "streamed" | "whole";

interface Round {
  way: Way;
  lps: number;
  cpuUs: number;
  gcPauseUs: number;
  scavenges: number;
  promotedMb?: number;
}

if (process.env.INGEST_STREAM_AB_CHILD === "1") await child();
else await parent();

/** Runs the rounds in a child with V8's GC trace on, reads its promotion per round, prints the medians. */
async function parent(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, ["--trace-gc-nvp", "--import", "tsx", self], {
    env: { ...process.env, INGEST_STREAM_AB_CHILD: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let text = "";
  proc.stdout.on("data", (d: Buffer) => {
    text += d;
  });
  await new Promise((done) => proc.on("exit", done));
  const rounds: Round[] = [];
  let promoted = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("@@start")) promoted = 0;
    const m = / promoted=(\d+)/.exec(line);
    if (m) promoted += Number(m[1]);
    if (line.startsWith("{")) {
      const round = JSON.parse(line) as Round;
      round.promotedMb = +(promoted / 1e6).toFixed(1);
      rounds.push(round);
      console.log(JSON.stringify(round));
    }
  }
  for (const way of ["streamed", "whole"] as const) {
    const r = rounds.filter((x) => x.way === way);
    const m = (f: (x: Round) => number) => +median(r.map(f)).toFixed(2);
    console.log(
      `${way.padEnd(8)} medians of ${r.length}: ${m((x) => x.lps)} lines/s, ${m((x) => x.cpuUs)} CPU µs a line, ` +
        `GC pauses ${m((x) => x.gcPauseUs)} µs a line, ${m((x) => x.scavenges)} scavenges, ${m((x) => x.promotedMb ?? 0)} MB promoted a round`,
    );
  }
}

async function child(): Promise<void> {
  const bodies = ingestBodies(Math.max(N, 20)).map((b) => Buffer.from(b));
  let gcMs = 0;
  let scavenges = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      if ((e as { detail?: { kind?: number } }).detail?.kind === 1) scavenges++;
    }
  }).observe({ entryTypes: ["gc"] });
  // No wait bound: a 503 would be a request parsed and refused, CPU that stores no line.
  const env = {
    LOG_STORE: "segments",
    RATE_LIMIT_PER_TOKEN: "off",
    RATE_LIMIT_PER_IP: "off",
    INGEST_QUEUE_MAX_WAIT_SECS: "0",
  };
  const servers: Record<Way, TestServer> = {
    streamed: await startTestServer(env),
    whole: await startTestServer(env),
  };
  delete (servers.whole.rt.pipeline.logs as { openAppend?: unknown }).openAppend;
  const sent: Record<Way, number> = { streamed: 0, whole: 0 };

  const send = async (server: TestServer, i: number): Promise<void> => {
    const r = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: { ...auth, "content-type": "application/x-ndjson" },
      payload: bodies[i % bodies.length],
    });
    if (r.statusCode !== 200) throw new Error(`${r.statusCode} ${r.body.slice(0, 200)}`);
  };
  const round = async (way: Way): Promise<Round> => {
    console.log(`@@start ${way}`);
    gcMs = 0;
    scavenges = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONN }, async () => {
        while (next < N) await send(servers[way], sent[way] + next++);
      }),
    );
    sent[way] += N;
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const lines = N * INGEST_LINES_PER_REQUEST;
    return {
      way,
      lps: Math.round((lines / wall) * 1000),
      cpuUs: +((cpu.user + cpu.system) / lines).toFixed(2),
      gcPauseUs: +((gcMs * 1000) / lines).toFixed(2),
      scavenges,
    };
  };

  await round("streamed");
  await round("whole");
  for (let r = 0; r < ROUNDS; r++) {
    const order: Way[] = r % 2 === 0 ? ["streamed", "whole"] : ["whole", "streamed"];
    for (const way of order) console.log(JSON.stringify(await round(way)));
  }
  for (const s of Object.values(servers)) await s.close();
}
