import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadCorpus } from "./corpus.js";
import { judgeLevelling, type LevelVerdict, type Point, rollingFloor, type Tolerance } from "./judge.js";
import { scrapeGauges } from "./metrics.js";
import { type ReadSummary, ReadTimings } from "./reads.js";
import { SOAK_TOKEN, type SoakServer, startSoakServer } from "./server.js";
import { LineMaker } from "./traffic.js";

export interface SoakOptions {
  minutes: number;
  sampleSecs: number;
  /** Lines per second; unset: half of what the server took during the capacity phase. */
  rate?: number;
  capacitySecs: number;
  /** One POST /api/v1/alerts of `alertsPerPost` alerts every this many seconds. */
  alertEverySecs: number;
  alertsPerPost: number;
  /** One list read every this many seconds. */
  queryEverySecs: number;
  /** Keep the data directory (SQLite file, server log) after the run. */
  keep: boolean;
  log: (line: string) => void;
}

export const DEFAULT_OPTIONS: SoakOptions = {
  minutes: 3,
  sampleSecs: 30,
  capacitySecs: 20,
  alertEverySecs: 5,
  alertsPerPost: 3,
  queryEverySecs: 1,
  keep: false,
  log: (line) => console.info(line),
};

export interface Sample {
  /** Seconds since the steady load started. */
  t: number;
  rssBytes: number;
  /**
   * RSS with the V8 heap counted at its live size: rssBytes − heap committed + heapFloorBytes. Between full
   * collections V8 lets garbage pile up in old space (heap used 75 → 198 MiB over a minute and a half with
   * the live heap flat at 63), and raw RSS rose with it: a 3-minute CI soak failed "RSS still growing"
   * (+113.7 MiB) on garbage the next full collection frees. What a leak grows is still here: native
   * memory (SQLite, compression, buffers) outside the heap, and the live heap.
   */
  residentLiveBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /**
   * What survives garbage collection: the heap used right after the server's latest full collection
   * (`logwarden_heap_live_bytes`), or before its first one the lowest heap used over the last
   * HEAP_FLOOR_SECS. Heap used at a single instant swings by 100+ MiB with the collector's cycle, and a
   * rolling lowest sample still rose and fell with when full collections happened to run (a 3-minute
   * run judged "still growing" at +51 MiB that the same code passed at +4 MiB), so the live heap is what
   * is judged.
   */
  heapFloorBytes: number;
  externalBytes: number;
  eventLoopP99Secs: number;
  databaseBytes: number;
  recordsStored: number;
  bytesPerLine: number;
  /** Lines stored per second since the previous sample. */
  linesPerSec: number;
  /** Server CPU (all threads) since the previous sample, percent of one core. */
  cpuPercent: number;
  /**
   * The machine's one-minute load average: on a shared machine the server's slowdowns may be other work's,
   * and this says how much of it there was.
   */
  loadAverage: number;
  queueRecords: number;
  templates: number;
  queryP99Ms: number;
  /** Failed requests of any kind so far (see SoakReport.errors). */
  errors: number;
}

/** What is judged, with the growth it may still show over the run's second half. */
export const TOLERANCES = {
  residentLiveBytes: { absolute: 32 * 2 ** 20, fraction: 0.1 },
  heapFloorBytes: { absolute: 24 * 2 ** 20, fraction: 0.15 },
  bytesPerLine: { absolute: 16, fraction: 0.1 },
  eventLoopP99Secs: { absolute: 0.1, fraction: 1 },
} satisfies Partial<Record<keyof Sample, Tolerance>>;
/** Window of the heap floor: long enough to hold a full garbage collection under steady load. */
export const HEAP_FLOOR_SECS = 90;
/** The second half's stored lines per second must be at least this share of the target rate. */
export const KEEP_UP_SHARE = 0.8;

export interface SoakReport {
  startedAt: string;
  minutes: number;
  sampleSecs: number;
  capacityLinesPerSec: number | null;
  targetLinesPerSec: number;
  samples: Sample[];
  verdicts: { series: keyof typeof TOLERANCES; verdict: LevelVerdict }[];
  lateLinesPerSec: number;
  /** Each kind of list read: how its latency moved from the first third of the run to the last. */
  reads: ReadSummary[];
  errors: {
    ingestBatches: number;
    ingestFailed: Record<string, number>;
    alertPosts: number;
    alertsAccepted: number;
    alertsDuplicate: number;
    alertFailed: Record<string, number>;
    queries: number;
    queryFailed: Record<string, number>;
    /** Lines the sender skipped because four batches were already waiting (the server fell behind). */
    skippedLines: number;
    /**
     * Batches refused with 503 while the capacity phase sent as fast as the server answered: admission
     * doing its work (a steady phase that saw one would fail), reported, not judged.
     */
    capacityRefused: number;
    serverErrorLines: number;
    lastServerErrors: string[];
  };
  exitCode: number | null;
  failures: string[];
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const dataDir = mkdtempSync(join(tmpdir(), "logwarden-soak-"));
  const maker = new LineMaker(loadCorpus());
  const server = await startSoakServer(dataDir);
  options.log(`[soak] serve pid ${server.pid} on ${server.url}, data in ${dataDir}`);
  try {
    return await drive(server, maker, options);
  } finally {
    server.kill();
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function drive(server: SoakServer, maker: LineMaker, options: SoakOptions): Promise<SoakReport> {
  const headers = { authorization: `Bearer ${SOAK_TOKEN}` };
  const counts = {
    ingestBatches: 0,
    ingestFailed: {} as Record<string, number>,
    alertPosts: 0,
    alertsAccepted: 0,
    alertsDuplicate: 0,
    alertFailed: {} as Record<string, number>,
    queries: 0,
    queryFailed: {} as Record<string, number>,
    skippedLines: 0,
    capacityRefused: 0,
  };
  const bump = (bucket: Record<string, number>, key: string) => {
    bucket[key] = (bucket[key] ?? 0) + 1;
  };
  const failedSoFar = () =>
    [counts.ingestFailed, counts.alertFailed, counts.queryFailed]
      .flatMap((b) => Object.values(b))
      .reduce((a, b) => a + b, 0);

  const postLines = async (lines: number): Promise<boolean> => {
    try {
      const res = await fetch(`${server.url}/ingest`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/x-ndjson" },
        body: maker.ndjson(lines),
      });
      await res.arrayBuffer();
      if (res.ok) {
        counts.ingestBatches++;
        return true;
      }
      bump(counts.ingestFailed, String(res.status));
    } catch (e) {
      bump(counts.ingestFailed, (e as Error).message);
    }
    return false;
  };

  let capacity: number | null = null;
  let rate = options.rate;
  if (rate === undefined) {
    capacity = await measureCapacity(postLines, options.capacitySecs);
    counts.capacityRefused = counts.ingestFailed["503"] ?? 0;
    delete counts.ingestFailed["503"];
    rate = Math.max(1, Math.round(capacity / 2));
    options.log(`[soak] capacity ${Math.round(capacity)} lines/s; steady load at half: ${rate} lines/s`);
  }
  const target = rate;

  let running = true;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const queryLatencies: number[] = [];
  const readTimings = new ReadTimings();

  // Ingest: a batch every quarter second, at most four waiting; lines that would make a fifth are skipped
  // (counted), so a server that falls behind shows up as a shortfall, not as a growing client queue.
  const TICK_SECS = 0.25;
  let inFlight = 0;
  const ingest = (async () => {
    let owed = 0;
    let next = performance.now();
    while (running) {
      owed += target * TICK_SECS;
      const lines = Math.floor(owed);
      owed -= lines;
      if (lines > 0) {
        if (inFlight >= 4) counts.skippedLines += lines;
        else {
          inFlight++;
          void postLines(lines).finally(() => inFlight--);
        }
      }
      next += TICK_SECS * 1000;
      await sleep(Math.max(0, next - performance.now()));
    }
    while (inFlight > 0) await sleep(20);
  })();

  let alertSeq = 0;
  const alerts = (async () => {
    while (running) {
      const batch = Array.from({ length: options.alertsPerPost }, () => {
        alertSeq++;
        // One alert in ten re-posts an earlier id: the idempotent path (duplicate_ids) runs too.
        const id = alertSeq > 10 && alertSeq % 10 === 0 ? alertSeq - 7 : alertSeq;
        return maker.alert(`soak-${id}`);
      });
      try {
        const res = await fetch(`${server.url}/api/v1/alerts`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify(batch),
        });
        const body = (await res.json()) as { accepted?: number; duplicate_ids?: unknown[] };
        if (res.status === 202) {
          counts.alertPosts++;
          counts.alertsAccepted += body.accepted ?? 0;
          counts.alertsDuplicate += body.duplicate_ids?.length ?? 0;
        } else bump(counts.alertFailed, String(res.status));
      } catch (e) {
        bump(counts.alertFailed, (e as Error).message);
      }
      await sleep(options.alertEverySecs * 1000);
    }
  })();

  const queries = (async () => {
    let turn = 0;
    while (running) {
      const path = maker.query(turn++);
      const started = performance.now();
      try {
        const res = await fetch(`${server.url}${path}`, { headers });
        await res.arrayBuffer();
        counts.queries++;
        if (res.ok) {
          const ms = performance.now() - started;
          queryLatencies.push(ms);
          readTimings.record(path, elapsed(), ms);
        } else bump(counts.queryFailed, `${res.status} ${path.split("?")[0]}`);
      } catch (e) {
        bump(counts.queryFailed, (e as Error).message);
      }
      await sleep(options.queryEverySecs * 1000);
    }
  })();

  const samples: Sample[] = [];
  let previous: { t: number; records: number; cpu: number } | null = null;
  const takeSample = async () => {
    const t = elapsed();
    const g = await scrapeGauges(server.url, SOAK_TOKEN);
    const databaseBytes = server.databaseBytes();
    const latencies = queryLatencies.splice(0).sort((a, b) => a - b);
    const dt = previous ? t - previous.t : 0;
    const heapFloorBytes =
      g.heapLiveBytes > 0
        ? g.heapLiveBytes
        : rollingFloor(
            [...samples.map((p) => ({ t: p.t, v: p.heapUsedBytes })), { t, v: g.heapUsedBytes }],
            HEAP_FLOOR_SECS,
          ).at(-1)!.v;
    const sample: Sample = {
      t,
      rssBytes: g.rssBytes,
      residentLiveBytes: g.rssBytes - g.heapTotalBytes + heapFloorBytes,
      heapUsedBytes: g.heapUsedBytes,
      heapTotalBytes: g.heapTotalBytes,
      heapFloorBytes,
      externalBytes: g.externalBytes,
      eventLoopP99Secs: g.eventLoopP99Secs,
      databaseBytes,
      recordsStored: g.recordsStored,
      bytesPerLine: g.recordsStored > 0 ? databaseBytes / g.recordsStored : 0,
      linesPerSec: previous && dt > 0 ? (g.recordsStored - previous.records) / dt : 0,
      cpuPercent: previous && dt > 0 ? ((g.cpuSecs - previous.cpu) / dt) * 100 : 0,
      loadAverage: loadavg()[0]!,
      queueRecords: g.queueRecords,
      templates: g.templates,
      queryP99Ms: latencies.length
        ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!
        : 0,
      errors: failedSoFar(),
    };
    previous = { t, records: g.recordsStored, cpu: g.cpuSecs };
    samples.push(sample);
    options.log(`[soak] ${formatSampleLine(sample)}`);
  };

  const totalSecs = options.minutes * 60;
  try {
    for (let n = 0; ; n++) {
      const due = n * options.sampleSecs;
      if (due > totalSecs + 1e-9) break;
      await sleep(Math.max(0, due * 1000 - (performance.now() - t0)));
      await takeSample();
    }
  } finally {
    running = false;
    await Promise.all([ingest, alerts, queries]);
  }
  const exitCode = await server.stop();
  return judge({
    startedAt,
    minutes: options.minutes,
    sampleSecs: options.sampleSecs,
    capacityLinesPerSec: capacity === null ? null : Math.round(capacity),
    targetLinesPerSec: target,
    samples,
    verdicts: [],
    lateLinesPerSec: 0,
    reads: readTimings.summary(totalSecs),
    errors: {
      ...counts,
      serverErrorLines: server.errorLines(),
      lastServerErrors: server.lastErrors(),
    },
    exitCode,
    failures: [],
  });
}

/** Two senders of 1,000-line batches as fast as the server answers; lines acknowledged per second. */
async function measureCapacity(post: (lines: number) => Promise<boolean>, secs: number): Promise<number> {
  const BATCH = 1000;
  let acked = 0;
  const started = performance.now();
  const deadline = started + secs * 1000;
  await Promise.all(
    [0, 1].map(async () => {
      while (performance.now() < deadline) if (await post(BATCH)) acked += BATCH;
    }),
  );
  return acked / ((performance.now() - started) / 1000);
}

/** Fills in the verdicts and the reasons to fail. */
export function judge(report: SoakReport): SoakReport {
  const failures: string[] = [];
  const { samples } = report;
  const verdicts: SoakReport["verdicts"] = [];
  // The first sample has no interval behind it (no rate, a delay p99 from before the load), so it is left out.
  const judged = samples.slice(1);
  if (judged.length >= 6) {
    for (const [series, tolerance] of Object.entries(TOLERANCES) as [keyof typeof TOLERANCES, Tolerance][]) {
      const points: Point[] = judged.map((s) => ({ t: s.t, v: s[series] }));
      const verdict = judgeLevelling(points, tolerance);
      verdicts.push({ series, verdict });
      if (!verdict.leveled)
        failures.push(
          `${series} still growing over the second half: ${formatValue(series, verdict.lateGrowth)} > allowed ${formatValue(series, verdict.allowedGrowth)}`,
        );
    }
  } else failures.push(`only ${judged.length} samples after the first: too few to judge growth (need 6)`);
  const late = judged.slice(Math.floor(judged.length / 2));
  const lateLinesPerSec = late.length ? late.reduce((a, s) => a + s.linesPerSec, 0) / late.length : 0;
  if (lateLinesPerSec < KEEP_UP_SHARE * report.targetLinesPerSec)
    failures.push(
      `stored ${Math.round(lateLinesPerSec)} lines/s over the second half, under ${KEEP_UP_SHARE * 100} % of the target ${report.targetLinesPerSec}`,
    );
  const e = report.errors;
  for (const [what, bucket] of [
    ["ingest", e.ingestFailed],
    ["alert", e.alertFailed],
    ["query", e.queryFailed],
  ] as const)
    if (Object.keys(bucket).length) failures.push(`failed ${what} requests: ${JSON.stringify(bucket)}`);
  if (e.serverErrorLines > 0) failures.push(`server logged ${e.serverErrorLines} error lines`);
  if (e.alertPosts === 0) failures.push("no alert post was accepted");
  if (report.exitCode !== 0) failures.push(`serve exited with ${report.exitCode} on SIGTERM`);
  return { ...report, verdicts, lateLinesPerSec, failures };
}

const MIB = 2 ** 20;

export function formatValue(series: keyof typeof TOLERANCES, v: number): string {
  if (series === "residentLiveBytes" || series === "heapFloorBytes") return `${(v / MIB).toFixed(1)} MiB`;
  if (series === "eventLoopP99Secs") return `${(v * 1000).toFixed(1)} ms`;
  return `${v.toFixed(1)} B`;
}

function formatSampleLine(s: Sample): string {
  return (
    `t=${(s.t / 60).toFixed(1)} min rss=${(s.rssBytes / MIB).toFixed(0)}MiB heap=${(s.heapUsedBytes / MIB).toFixed(0)}MiB ` +
    `eld_p99=${(s.eventLoopP99Secs * 1000).toFixed(0)}ms db=${(s.databaseBytes / MIB).toFixed(0)}MiB ` +
    `B/line=${s.bytesPerLine.toFixed(0)} lines/s=${s.linesPerSec.toFixed(0)} cpu=${s.cpuPercent.toFixed(0)}% load=${s.loadAverage.toFixed(1)} ` +
    `queue=${s.queueRecords} templates=${s.templates} query_p99=${s.queryP99Ms.toFixed(0)}ms errors=${s.errors}`
  );
}
