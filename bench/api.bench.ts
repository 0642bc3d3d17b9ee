import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import SQLite from "better-sqlite3";
import { encodeCursor } from "../src/api/cursor.js";
import { loadConfig } from "../src/config/load.js";
import type { JsonObject } from "../src/core/json.js";
import type { LogRecord } from "../src/core/log-record.js";
import { DrainMiner } from "../src/parsers/drain/index.js";
import { createProcessor } from "../src/pipeline/create-processor.js";
import { type IngestLog, recordFromIngestLog } from "../src/service/ingest-records.js";
import { groupFeatures } from "../src/service/scoring.js";
import { openStore } from "../src/store/db.js";
import { insertLogs } from "../src/store/repos/logs.js";
import { createToken } from "../src/store/repos/tokens.js";
import { storedLines } from "./lib/ingest-load.js";
import {
  INGEST_LINES_PER_REQUEST,
  ingestBodies,
  processCpuSecs,
  ROOT,
  startServer,
} from "./lib/ingest-server.js";
import { machineLine, table, writeBenchSection } from "./lib/report.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SECS = Number(process.env.BENCH_SECS ?? 10);
const CONNECTIONS = 50;
const INGEST_CONNECTIONS = 4;
const INGEST_BODIES = 120;
/** Bodies the storage and processing ceilings take (three passes each). */
const CEILING_BODIES = 8;
const TARGET_P99_MS = 25;
const TARGET_RPS = 5_000;
const TARGET_LPS = 100_000;
const CORES = 2;
const PROFILE = process.env.BENCH_PROFILE === "1";

const DETECTORS = ["wifi", "error_burst", "new_template", "brute_force", "port_scan"];
const SEVERITIES = ["low", "medium", "high", "critical"];
const SERVICES = Array.from({ length: 10 }, (_, i) => `svc-${i}`);

/** 1M rows in one transaction through a prepared 100-row statement: seconds, not minutes. */
function seed(path: string): void {
  const db = new SQLite(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const cols = [
    "agent_name",
    "device_id",
    "timestamp",
    "anomaly_type",
    "confidence",
    "description",
    "features",
    "created_at",
    "severity",
    "service",
    "key",
    "status",
    "explanation",
    "evidence",
    "template_id",
    "count",
    "last_seen",
    "updated_at",
  ];
  const per = 100;
  const row = `(${cols.map(() => "?").join(",")})`;
  const insert = db.prepare(
    `insert into anomalies (${cols.join(",")}) values ${Array(per).fill(row).join(",")}`,
  );
  const start = Date.parse("2025-01-01T00:00:00Z");
  const spanMs = 90 * 86_400_000;
  const values: unknown[] = [];
  const run = db.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      // Timestamps spread over 90 days with duplicates, so the id tie-break matters.
      const ts = new Date(start + Math.floor(((i / ROWS) * spanMs) / 1000) * 1000).toISOString();
      const detector = DETECTORS[i % DETECTORS.length]!;
      values.push(
        detector,
        null,
        ts,
        `${detector}_anomaly`,
        0.5 + (i % 50) / 100,
        `${detector} anomaly ${i} on host-${i % 97} from 10.${i % 256}.${(i >> 8) % 256}.7`,
        JSON.stringify({ log_count: 400 + (i % 40), events: i % 13 }),
        ts,
        SEVERITIES[(i * 7) % 4]!,
        SERVICES[i % SERVICES.length]!,
        `key-${i % 5000}`,
        i % 10 === 0 ? "resolved" : "open",
        JSON.stringify({ summary: "x", observed: {}, expected: {} }),
        "[]",
        null,
        1,
        ts,
        ts,
      );
      if (values.length === per * cols.length) {
        insert.run(values);
        values.length = 0;
      }
    }
  });
  run();
  const rest = values.length / cols.length;
  if (rest > 0) {
    db.prepare(`insert into anomalies (${cols.join(",")}) values ${Array(rest).fill(row).join(",")}`).run(
      values,
    );
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.exec("analyze");
  db.close();
}

/** The cursor `fraction` of the way down the listing (what a client reaches by paging that far). */
function cursorAt(path: string, fraction: number, where = "1=1"): string {
  const db = new SQLite(path, { readonly: true });
  const { n } = db.prepare(`select count(*) as n from anomalies where ${where}`).get() as { n: number };
  const row = db
    .prepare(
      `select timestamp, id from anomalies where ${where} order by timestamp desc, id desc limit 1 offset ?`,
    )
    .get(Math.floor(n * fraction)) as { timestamp: string; id: number };
  db.close();
  return encodeCursor(row);
}

/**
 * `count` cursors, one every `step` rows from `fromRow` down: a client paging through the listing asks
 * for each page once, so cycling through more pages than the server's page cache holds measures the
 * path that reads the database every time.
 */
function walkCursors(path: string, fromRow: number, count: number, step: number): string[] {
  const db = new SQLite(path, { readonly: true });
  const rows = db
    .prepare("select timestamp, id from anomalies order by timestamp desc, id desc limit ? offset ?")
    .all(count * step, fromRow) as { timestamp: string; id: number }[];
  db.close();
  return rows.filter((_, i) => i % step === 0).map((r) => encodeCursor(r));
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  extra: string;
}

async function load(
  name: string,
  url: string,
  token: string,
  opts: Partial<autocannon.Options> = {},
): Promise<Row> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECS,
    headers: { authorization: `Bearer ${token}` },
    ...opts,
  });
  const errors = result.errors + result.timeouts + result.non2xx;
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
    extra: "",
  };
}

/**
 * What SQLite alone takes to store the ingest scenario's rows: the same records, mined beforehand, written
 * by `insertLogs` (the pipeline's fast path, full-text index included) in one transaction per request's
 * worth of rows, with nothing else running. The ingest figure cannot exceed this on one thread.
 */
async function storageCeiling(bodies: string[]): Promise<{ wall: number; cpu: number }> {
  const dir = mkdtempSync(join(tmpdir(), "logwarden-bench-store-"));
  const store = openStore({ url: join(dir, "logwarden.db") });
  try {
    await store.migrate();
    const miner = new DrainMiner();
    const observedAt = new Date().toISOString();
    const batches = bodies.map((body) =>
      body
        .trim()
        .split("\n")
        .map((line) => {
          const record = recordFromIngestLog(JSON.parse(line) as IngestLog, observedAt);
          const stream = String(record.resource["service.name"]);
          const m = miner.add(stream, record.body, record.timestamp);
          return { ...record, stream, templateId: m.templateId, params: m.params };
        }),
    );
    const rounds = 3;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      for (const batch of batches) await store.transaction((tx) => insertLogs(tx, batch, observedAt));
    }
    const rows = rounds * batches.reduce((n, b) => n + b.length, 0);
    const cpu = process.cpuUsage(cpu0);
    return { wall: rows / ((performance.now() - t0) / 1000), cpu: rows / ((cpu.user + cpu.system) / 1e6) };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the server does per ingested line apart from HTTP and storage, in this process: parse the NDJSON
 * lines, build records, mine templates, run the detectors, compute each service group's features, as
 * `ingestLogs` does. Three passes over the bodies (the first one learns the templates).
 */
function processingCeiling(bodies: string[]): { cpu: number } {
  const processor = createProcessor(loadConfig({ env: {} }));
  const rounds = 3;
  let lines = 0;
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    for (const body of bodies) {
      const observedAt = new Date().toISOString();
      const resources = new Map<string, JsonObject>();
      const groups = new Map<string, LogRecord[]>();
      const records = body
        .trim()
        .split("\n")
        .map((line) => {
          const log = JSON.parse(line) as IngestLog;
          const service = log.service || "unknown";
          let resource = resources.get(service);
          if (!resource) {
            resource = { "service.name": service };
            resources.set(service, resource);
          }
          const record = recordFromIngestLog(log, observedAt, { resourceFor: () => resource });
          const group = groups.get(service);
          if (group) group.push(record);
          else groups.set(service, [record]);
          return record;
        });
      processor.detect(processor.mine(records, lines + 1));
      for (const group of groups.values()) groupFeatures(group);
      lines += records.length;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpu: lines / ((cpu.user + cpu.system) / 1e6) };
}

async function main(): Promise<void> {
  const loadStart = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  const dataDir = mkdtempSync(join(tmpdir(), "logwarden-bench-api-"));
  const profileDir = join(ROOT, "bench/.out/api");
  mkdirSync(profileDir, { recursive: true });
  const dbPath = join(dataDir, "logwarden.db");
  const store = openStore({ url: dbPath });
  await store.migrate();
  const { token } = await createToken(store.db, "bench reader", ["read", "ingest"], new Date().toISOString());
  await store.close();
  let t = performance.now();
  seed(dbPath);
  const seedSecs = (performance.now() - t) / 1000;
  console.log(`seeded ${ROWS} anomalies in ${seedSecs.toFixed(1)} s`);
  const deep = cursorAt(dbPath, 0.9);
  const deepFiltered = cursorAt(dbPath, 0.9, "agent_name = 'wifi' and severity = 'high'");
  const walk = walkCursors(dbPath, Math.floor(ROWS / 2), Math.min(2_000, Math.floor(ROWS / 200)), 100);

  const { child, url } = await startServer({ dataDir, profileDir: PROFILE ? profileDir : undefined });
  const rows: Row[] = [];
  let ceiling = { wall: 0, cpu: 0 };
  let processing = { cpu: 0 };
  let serverCpuPerLine: number | null = null;
  try {
    const base = `${url}/api/v1/anomalies`;
    const scenarios: [string, string][] = [
      ["list, first page (100 rows)", base],
      ["list, filtered agent_name+severity", `${base}?agent_name=wifi&severity=high`],
      [`list, deep cursor (row ${(ROWS * 0.9).toLocaleString("en")})`, `${base}?cursor=${deep}`],
      ["list, filtered deep cursor", `${base}?agent_name=wifi&severity=high&cursor=${deepFiltered}`],
      ["list, since/until window", `${base}?since=2025-02-01T00:00:00Z&until=2025-02-02T00:00:00Z`],
    ];
    await load("warm-up", base, token, { duration: 2 });
    let next = 0;
    const walkRequests: Partial<autocannon.Options> = {
      requests: [
        {
          setupRequest: (req) => ({ ...req, path: `/api/v1/anomalies?cursor=${walk[next++ % walk.length]}` }),
        },
      ],
    };
    const runs: [string, string, Partial<autocannon.Options>][] = [
      ...scenarios.map(([name, u]): [string, string, Partial<autocannon.Options>] => [name, u, {}]),
      [
        `list, walk of ${walk.length.toLocaleString("en")} distinct deep pages (no page served twice in a row)`,
        base,
        walkRequests,
      ],
    ];
    for (const [name, u, opts] of runs) {
      const r = await load(name, u, token, opts);
      console.log(
        `${name}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}`,
      );
      rows.push(r);
    }

    const bodies = ingestBodies(INGEST_BODIES);
    ceiling = await storageCeiling(bodies.slice(0, CEILING_BODIES));
    console.log(
      `storage alone: ${Math.round(ceiling.wall)} rows/s wall, ${Math.round(ceiling.cpu)} rows per CPU-second`,
    );
    processing = processingCeiling(bodies.slice(0, CEILING_BODIES));
    console.log(`processing alone: ${Math.round(processing.cpu)} lines per CPU-second`);
    let i = 0;
    const serverCpu0 = processCpuSecs(child.pid);
    t = performance.now();
    const ingest = await autocannon({
      url: `${url}/ingest`,
      connections: INGEST_CONNECTIONS,
      duration: Math.max(SECS, 10),
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/x-ndjson" },
      requests: [{ setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length]! }) }],
    });
    const ingestSecs = (performance.now() - t) / 1000;
    const serverCpu1 = processCpuSecs(child.pid);
    const ok = ingest.requests.total - ingest.non2xx;
    const db = new SQLite(dbPath, { readonly: true });
    // The server serves whichever store a new database defaults to (segments since issue 50); a database
    // serves one, so the other counts nothing.
    const stored = storedLines(db, "table").stored + storedLines(db, "segments").stored;
    db.close();
    const lps = stored / ingestSecs;
    if (serverCpu0 !== null && serverCpu1 !== null && stored > 0)
      serverCpuPerLine = ((serverCpu1 - serverCpu0) * 1e6) / stored;
    console.log(
      `ingest: ${ok} requests × ${INGEST_LINES_PER_REQUEST} lines, ${stored} rows stored, ${Math.round(lps)} lines/s, p99 ${ingest.latency.p99} ms`,
    );
    rows.push({
      name: `ingest NDJSON (${INGEST_LINES_PER_REQUEST} lines/request, ${INGEST_CONNECTIONS} connections)`,
      rps: ingest.requests.average,
      p50: ingest.latency.p50,
      p99: ingest.latency.p99,
      errors: ingest.errors + ingest.timeouts + ingest.non2xx,
      extra: `${Math.round(lps).toLocaleString("en")} lines/s stored; statuses ${JSON.stringify(
        Object.fromEntries(Object.entries(ingest.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
      )}`,
    });
  } finally {
    child.kill("SIGTERM");
    await new Promise((done) => child.on("exit", done));
    rmSync(dataDir, { recursive: true, force: true });
  }

  const list = rows.filter((r) => r.name.startsWith("list"));
  const repeated = list.filter((r) => !r.name.includes("distinct"));
  const distinct = list.filter((r) => r.name.includes("distinct"));
  const ingestRow = rows.at(-1)!;
  const lps = Number(ingestRow.extra.split(" lines/s")[0]!.replace(/[^\d]/g, ""));
  const pass = (ok: boolean) => (ok ? "yes" : "**no**");
  const listTargets = (group: Row[]) =>
    `p99 ≤ ${TARGET_P99_MS} ms — ${pass(group.every((r) => r.p99 <= TARGET_P99_MS))}, ` +
    `≥ ${TARGET_RPS.toLocaleString("en")} req/s — ${pass(group.every((r) => r.rps >= TARGET_RPS))}`;
  const md = [
    "## REST API (`npm run bench:api`)",
    "",
    `${machineLine()} Load average during the run: ${loadStart} → ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} (1/5/15 min; other processes shared the machine when this is well above 2).`,
    `${ROWS.toLocaleString("en")} anomalies seeded into SQLite (${seedSecs.toFixed(1)} s); \`logwarden serve\` in a child ` +
      `process; load from the bench process with autocannon, ${CONNECTIONS} connections, ${SECS} s per list scenario, ` +
      "a stored `read` token on every request (rate limits off). Ingest: system 004 objects built from LogHub-2k lines " +
      `(${INGEST_BODIES} bodies whose record times advance 10 ms a line, as a live stream's), ` +
      "committed to SQLite with template mining and detectors before each response.",
    "",
    "Each list scenario but the walk asks for the same URL again and again, as a polling dashboard or the Log Monitor " +
      "does: after the first request the server answers from its page cache (encoded bodies, valid while the " +
      "anomalies table's change version, kept by triggers, is unchanged). The walk asks for a different page every " +
      "time, more pages than the cache holds, so every request reads the database: it is what paging through the " +
      "listing costs.",
    "",
    table(
      ["Scenario", "req/s", "p50 ms", "p99 ms", "errors", "notes"],
      rows.map((r) => [r.name, Math.round(r.rps).toLocaleString("en"), r.p50, r.p99, r.errors, r.extra]),
    ),
    "",
    `Storage alone (the ingest rows, mined beforehand, written by the pipeline's \`insertLogs\` with the full-text ` +
      `index, 5,000 rows per transaction, nothing else running): ${Math.round(ceiling.wall).toLocaleString("en")} rows/s, ` +
      `${Math.round(ceiling.cpu).toLocaleString("en")} rows per CPU-second. Ingest runs on one thread, so this bounds it.`,
    "",
    ingestBudget(serverCpuPerLine, ceiling.cpu, processing.cpu),
    "",
    `Targets: repeated list pages: ${listTargets(repeated)}; distinct pages (walk): ${listTargets(distinct)}; ` +
      `ingest ≥ ${TARGET_LPS.toLocaleString("en")} lines/s — ${pass(lps >= TARGET_LPS)}.`,
  ].join("\n");
  console.log(`\n${md}`);
  writeBenchSection("api", md);
}

/**
 * Where the ingest target stands in CPU time: a rate of R lines/s on this machine's cores allows
 * CORES / R CPU-seconds per line however the work is split between threads.
 */
function ingestBudget(serverPerLine: number | null, storagePerSec: number, processingPerSec: number): string {
  const budget = (CORES * 1e6) / TARGET_LPS;
  const storage = 1e6 / storagePerSec;
  const work = 1e6 / processingPerSec;
  const measured =
    serverPerLine === null
      ? "The server's own CPU time was not readable (no /proc)."
      : `The server used ${serverPerLine.toFixed(1)} µs of CPU per stored line during the ingest run (from /proc, all its threads).`;
  return (
    `CPU per line: ${TARGET_LPS.toLocaleString("en")} lines/s on ${CORES} cores leaves at most ${budget.toFixed(0)} µs of ` +
    `CPU per line, however the work were split between threads. ${measured} Its parts, measured alone in the bench ` +
    `process: storage ${storage.toFixed(1)} µs (above), processing ${work.toFixed(1)} µs (NDJSON parse, records, ` +
    `template mining, detectors, group features; ${Math.round(processingPerSec).toLocaleString("en")} lines per ` +
    `CPU-second), together ${(storage + work).toFixed(1)} µs before HTTP and garbage collection.`
  );
}

await main();
