/**
 * Cluster mode (issue 16, src/distribution) on this one machine: `logwarden serve` processes sharing one
 * PostgreSQL (a fresh schema per run) and the local RabbitMQ (a queue prefix of the run's own, the queues
 * deleted afterwards).
 *
 * 1. Ingest throughput with 1, 2 and 3 cluster nodes (CLUSTER_PARTITIONS=12) and, for reference, one node
 *    without cluster mode on the same PostgreSQL. Concurrent HTTP clients POST JSON arrays to /ingest,
 *    round-robin over the nodes, spread over 80 streams (services) so the partitions spread; reports lines
 *    per second acknowledged (HTTP 200) and stored (until the store holds every
 *    acknowledged line: the owners have committed them), and their ratios.
 * 2. Failover: 3 nodes under a steady, paced load, CLUSTER_LEASE_SECS=5; one is SIGKILLed. Seconds from
 *    the kill until every partition it owned has a new owner (cluster_partitions), and until the lines of
 *    its partitions' streams are stored again.
 * 3. Every line carries a unique id (metadata.bench_id); after each cluster run, the bench checks that every
 *    acknowledged id is stored exactly once (lost, doubled). A refused or failed request's lines are never
 *    sent again (the next request carries fresh ids), so a retry cannot double a line by itself.
 *
 *   npm run bench:cluster                                   # 2 rounds of 40,000 lines per setup
 *   BENCH_CLUSTER_STORE=table npm run bench:cluster         # on the logs table (default: segments)
 *   BENCH_ROUNDS=3 BENCH_LINES=100000 npm run bench:cluster
 *   BENCH_DOC=/tmp/b.md npm run bench:cluster               # a trial that leaves docs/benchmarks.md alone
 *   DATABASE_URL=postgres://… RABBITMQ_URL=amqp://… npm run bench:cluster   # other servers (default: the
 *                                                            # test servers on 127.0.0.1)
 * PostgreSQL's and RabbitMQ's CPU is read from this machine's /proc: with servers elsewhere those columns
 * read 0, and only the nodes' CPU a line is measured.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import amqp from "amqplib";
import pg from "pg";
import { partitionOf, partitionQueue } from "../src/distribution/partition-key.js";
import { processCpuSecs, startServer } from "./lib/ingest-server.js";
import { nonRepeatingRawLines } from "./lib/non-repeating-lines.js";
import { fmt, loadAverages, machineLine, median, table, writeBenchSection } from "./lib/report.js";
import { benchLogStore, readSegmentLines, storedLineCount } from "./lib/stored-lines.js";
import { datasetNames } from "./parse-golden-corpus.js";

// Any PostgreSQL and RabbitMQ: BENCH_* first, then the deployment's own settings, then the test servers'.
const PG_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://logwarden:logwarden@127.0.0.1:5432/logwarden_test";
const RABBITMQ_URL =
  process.env.BENCH_RABBITMQ_URL ??
  process.env.RABBITMQ_URL ??
  process.env.TEST_RABBITMQ_URL ??
  "amqp://guest:guest@127.0.0.1:5672/";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** The log store every node runs: segments (the default for a new database) unless told otherwise. */
const STORE = benchLogStore(process.env.BENCH_CLUSTER_STORE);
/** Lines acknowledged per throughput run. */
const LINES = Number(process.env.BENCH_LINES ?? 40_000);
const LINES_PER_REQUEST = 2_000;
const CONNECTIONS = 6;
const PARTITIONS = 12;
const STREAMS_PER_DATASET = 8;
const LEASE_SECS = 5;
const NODE_COUNTS = [1, 2, 3] as const;
/**
 * Failover runs: seconds of load, when the kill comes, and the paced load as a share of 3 nodes' stored
 * rate; the saturating run's clients send back to back, so the killed node has requests and batches in
 * flight and its queues a backlog.
 */
const FAILOVER_SECS = Number(process.env.BENCH_FAILOVER_SECS ?? 40);
const SATURATING_SECS = 25;
/** Bodies built ahead for the saturating run: more than 6 nodes' worth of acked lines/s here. */
const SATURATING_PREPARED_LINES_PER_SEC = 8_000;
const KILL_AT_SECS = 12;
/** Load before the first restart and after the last; what the load is prepared for in all. */
const ROLLING_SETTLE_SECS = 5;
const ROLLING_SECS_BUDGET = 90;
const FAILOVER_LOAD_SHARE = 0.6;
const POLL_MS = 100;
const STORE_LIMIT_SECS = 300;
const CLOCK_TICKS_PER_SEC = 100;
const TOKEN = "bench-admin";
const TAG = `${process.pid}_${Math.random().toString(36).slice(2, 7)}`;

// ---------------------------------------------------------------------------------------------- corpus

/**
 * the fresh-valued LogHub corpus (`nonRepeatingRawLines`, LINES of it), interleaved: line
 * `id` is the next line of dataset `id % datasets`, in the stream `<dataset>-<k>` (k < STREAMS_PER_DATASET),
 * so every request holds every stream and every partition. Record times advance 10 ms a line.
 */
class Corpus {
  readonly datasets: string[];
  readonly #lines: string[][];
  readonly #bodies = new Map<string, string>();
  readonly #t0 = Date.parse("2026-01-01T00:00:00Z");

  constructor(lines: number) {
    this.datasets = datasetNames();
    this.#lines = this.datasets.map(() => []);
    const index = new Map(this.datasets.map((d, i) => [d, i]));
    for (const { dataset, line } of nonRepeatingRawLines(this.datasets, lines))
      this.#lines[index.get(dataset)!]!.push(line);
  }

  get services(): string[] {
    return this.datasets.flatMap((d) =>
      Array.from({ length: STREAMS_PER_DATASET }, (_, k) => `${d.toLowerCase()}-${k}`),
    );
  }

  /** Request body `b` of `size` lines: the JSON array of lines b·size … (b+1)·size − 1. */
  body(b: number, size: number): string {
    const key = `${size}:${b}`;
    let body = this.#bodies.get(key);
    if (body !== undefined) return body;
    const logs: object[] = new Array(size);
    const D = this.datasets.length;
    for (let i = 0; i < size; i++) {
      const id = b * size + i;
      const d = id % D;
      const k = Math.floor(id / D);
      const lines = this.#lines[d]!;
      const message = lines[k % lines.length]!;
      logs[i] = {
        timestamp: new Date(this.#t0 + 10 * id).toISOString(),
        service: `${this.datasets[d]!.toLowerCase()}-${k % STREAMS_PER_DATASET}`,
        level: /error|fail|exception/i.test(message) ? "ERROR" : /warn/i.test(message) ? "WARN" : "INFO",
        message,
        metadata: { bench_id: id },
      };
    }
    body = JSON.stringify(logs);
    this.#bodies.set(key, body);
    return body;
  }

  /** Builds bodies 0 … count − 1 ahead, so the clients only send. */
  prepare(count: number, size: number): void {
    for (let b = 0; b < count; b++) this.body(b, size);
  }
}

// ------------------------------------------------------------------------------------ CPU from /proc

/** CPU seconds of every process whose command is one of `comms` (PostgreSQL's reaped backends included). */
function cpuOfCommands(comms: readonly string[]): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!comms.includes(comm)) continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime, stime, and the children's (the postmaster's reaped backends).
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {}
  }
  return ticks / CLOCK_TICKS_PER_SEC;
}

/** Busy and total jiffies of the whole machine. */
function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3]! + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

interface CpuMark {
  nodes: number;
  postgres: number;
  rabbitmq: number;
  bench: number;
  machine: { busy: number; total: number };
}

function cpuMark(nodes: readonly Node[]): CpuMark {
  const u = process.cpuUsage();
  return {
    nodes: nodes.reduce((a, n) => a + (processCpuSecs(n.child.pid) ?? n.lastCpu), 0),
    postgres: cpuOfCommands(["postgres"]),
    rabbitmq: cpuOfCommands(["beam.smp", "erl_child_setup"]),
    bench: (u.user + u.system) / 1e6,
    machine: machineTicks(),
  };
}

interface CpuSplit {
  /** CPU µs per stored line. */
  nodes: number;
  postgres: number;
  rabbitmq: number;
  bench: number;
  /** Share of the machine's cores busy over the run (all processes, other jobs included). */
  busy: number;
}

function cpuSplit(a: CpuMark, b: CpuMark, lines: number): CpuSplit {
  const per = (x: number) => (x * 1e6) / Math.max(1, lines);
  return {
    nodes: per(b.nodes - a.nodes),
    postgres: per(b.postgres - a.postgres),
    rabbitmq: per(b.rabbitmq - a.rabbitmq),
    bench: per(b.bench - a.bench),
    busy: (b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total),
  };
}

// ----------------------------------------------------------------------------------------- the nodes

interface Node {
  id: string;
  url: string;
  child: ChildProcess;
  dataDir: string;
  /** CPU seconds when last read (a killed node's stay counted). */
  lastCpu: number;
  alive: boolean;
}

interface Deployment {
  /** The deployment's database (its own schema), as the nodes get it. */
  url: string;
  pool: pg.Pool;
  nodes: Node[];
  prefix: string;
  cluster: boolean;
  /** Stops every node (SIGTERM, drained); withDeployment does it anyway afterwards. */
  stopAll(): Promise<void>;
}

async function startNode(id: string, dbUrl: string, prefix: string, cluster: boolean): Promise<Node> {
  const dataDir = mkdtempSync(join(tmpdir(), `logwarden-bench-cluster-${id}-`));
  // Named: a new database's default store is segments since issue 50, and the counts read the store run.
  // RABBITMQ_URL, which may name the bench's broker, would also turn on the nodes' RabbitMQ anomaly sink,
  // whose unroutable publishes and retries are no part of what is measured.
  const env: Record<string, string> = { DATABASE_URL: dbUrl, LOG_STORE: STORE, RABBITMQ_URL: "" };
  if (cluster)
    Object.assign(env, {
      CLUSTER_PARTITIONS: String(PARTITIONS),
      CLUSTER_NODE_ID: id,
      CLUSTER_LEASE_SECS: String(LEASE_SECS),
      CLUSTER_RABBITMQ_URL: RABBITMQ_URL,
      CLUSTER_QUEUE_PREFIX: prefix,
    });
  try {
    const { child, url } = await startServer({ dataDir, env });
    return { id, url, child, dataDir, lastCpu: 0, alive: true };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** SIGTERM (the node drains and hands its partitions back), SIGKILL after `limitMs`. */
async function stopNode(node: Node, limitMs = 60_000): Promise<void> {
  const { child } = node;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    await exited;
    clearTimeout(timer);
  }
  node.alive = false;
  rmSync(node.dataDir, { recursive: true, force: true });
}

async function killNode(node: Node): Promise<void> {
  node.lastCpu = processCpuSecs(node.child.pid) ?? node.lastCpu;
  const exited = new Promise((done) => node.child.once("exit", done));
  node.child.kill("SIGKILL");
  node.alive = false;
  await exited;
}

/** Partition owners, as cluster_partitions has them. */
async function owners(pool: pg.Pool): Promise<Map<number, string | null>> {
  const { rows } = await pool.query<{ partition: number; owner: string | null }>(
    "select partition, owner from cluster_partitions",
  );
  return new Map(rows.map((r) => [r.partition, r.owner]));
}

/** Waits until every partition is owned and each node holds its even share (the rounds have settled). */
async function waitBalanced(pool: pg.Pool, ids: readonly string[], limitSecs = 120): Promise<void> {
  const floor = Math.floor(PARTITIONS / ids.length);
  const deadline = performance.now() + limitSecs * 1000;
  for (;;) {
    const held = new Map<string, number>();
    let free = 0;
    for (const owner of (await owners(pool)).values())
      if (owner === null) free++;
      else held.set(owner, (held.get(owner) ?? 0) + 1);
    if (free === 0 && ids.every((id) => (held.get(id) ?? 0) >= floor)) return;
    if (performance.now() > deadline)
      throw new Error(`partitions not balanced after ${limitSecs} s: ${JSON.stringify([...held])}`);
    await sleep(250);
  }
}

/**
 * A fresh schema and queue prefix; `count` nodes started one after the other (the first migrates), and
 * for a cluster, the partitions settled before `work`. Everything is removed afterwards.
 */
async function withDeployment<T>(
  name: string,
  count: number,
  cluster: boolean,
  work: (d: Deployment) => Promise<T>,
): Promise<T> {
  const schema = `bench_cluster_${TAG}_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const prefix = `bench-cluster-${TAG}-${name}.`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const pool = new pg.Pool({ connectionString: url.toString(), max: 3 });
  const d: Deployment = {
    url: url.toString(),
    pool,
    nodes: [],
    prefix,
    cluster,
    stopAll: () => Promise.all(d.nodes.map((n) => stopNode(n))).then(() => {}),
  };
  try {
    for (let i = 0; i < count; i++)
      d.nodes.push(await startNode(`n${i + 1}`, url.toString(), prefix, cluster));
    if (cluster)
      await waitBalanced(
        pool,
        d.nodes.map((n) => n.id),
      );
    return await work(d);
  } finally {
    await Promise.all(d.nodes.map((n) => stopNode(n).catch(() => {})));
    await pool.end().catch(() => {});
    const drop = new pg.Client({ connectionString: PG_URL });
    await drop.connect();
    await drop.query(`drop schema if exists ${schema} cascade`).catch(() => {});
    await drop.end();
    if (cluster) await deleteQueues(prefix).catch((e: unknown) => console.warn(`queues: ${String(e)}`));
  }
}

async function deleteQueues(prefix: string): Promise<void> {
  const conn = await amqp.connect(RABBITMQ_URL);
  const ch = await conn.createChannel();
  for (let p = 0; p < PARTITIONS; p++) await ch.deleteQueue(partitionQueue(prefix, p));
  await conn.close();
}

/** Messages still waiting in the run's partition queues (ready ones). */
async function queuedMessages(prefix: string): Promise<number> {
  const conn = await amqp.connect(RABBITMQ_URL);
  try {
    const ch = await conn.createChannel();
    let n = 0;
    for (let p = 0; p < PARTITIONS; p++) n += (await ch.checkQueue(partitionQueue(prefix, p))).messageCount;
    return n;
  } finally {
    await conn.close();
  }
}

/** Rows inserted or updated per table of the run's schema (pg_stat_user_tables; flushed at backend exit). */
async function tableWrites(pool: pg.Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ relname: string; n: string }>(
    `select relname, n_tup_ins + n_tup_upd as n from pg_stat_user_tables where schemaname = current_schema()`,
  );
  return new Map(rows.map((r) => [r.relname, Number(r.n)]));
}

async function countRows(pool: pg.Pool, table: "templates" | "anomalies"): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`select count(*) as n from ${table}`);
  return Number(rows[0]!.n);
}

function storedCount(pool: pg.Pool): Promise<number> {
  return storedLineCount(pool, STORE);
}

// ------------------------------------------------------------------------------------------ the load

interface Load {
  /** Bodies answered 200. */
  acked: number[];
  non200: number;
  /** Requests that got no answer (a killed node). */
  failed: number;
  statuses: Map<number, number>;
  firstSentAt: number;
  lastAckAt: number;
}

/**
 * CONNECTIONS clients, each taking the next body number from `next` (null: done) and POSTing it to a live
 * node, round-robin by body number. A body refused or unanswered is not sent again.
 */
async function runLoad(
  corpus: Corpus,
  nodes: readonly Node[],
  size: number,
  next: (load: Load, inFlight: number) => number | null,
  pace?: (b: number) => number,
): Promise<Load> {
  const load: Load = {
    acked: [],
    non200: 0,
    failed: 0,
    statuses: new Map(),
    firstSentAt: performance.now(),
    lastAckAt: performance.now(),
  };
  let inFlight = 0;
  const client = async () => {
    for (;;) {
      const b = next(load, inFlight);
      if (b === null) return;
      inFlight++;
      const body = corpus.body(b, size);
      if (pace) {
        const wait = pace(b) - performance.now();
        if (wait > 0) await sleep(wait);
      }
      const live = nodes.filter((n) => n.alive);
      if (live.length === 0) {
        inFlight--;
        return;
      }
      const node = live[b % live.length]!;
      try {
        const res = await fetch(`${node.url}/ingest`, {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          body,
        });
        await res.arrayBuffer();
        load.statuses.set(res.status, (load.statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) {
          load.acked.push(b);
          load.lastAckAt = performance.now();
        } else {
          load.non200++;
          const after = Number(res.headers.get("retry-after") ?? 1);
          await sleep(Math.min(5, Number.isFinite(after) ? after : 1) * 1000);
        }
      } catch {
        load.failed++;
      } finally {
        inFlight--;
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, client));
  return load;
}

/** Waits until the logs table holds at least `lines` lines and no longer grows; resolves when it first did. */
async function waitStored(
  d: Deployment,
  lines: number,
  onReached?: () => void,
): Promise<{ at: number; stored: number; settled: number }> {
  const deadline = performance.now() + STORE_LIMIT_SECS * 1000;
  let at = Number.NaN;
  let stored = 0;
  for (;;) {
    stored = await storedCount(d.pool);
    if (stored >= lines) {
      at = performance.now();
      onReached?.();
      break;
    }
    if (performance.now() > deadline) break;
    await sleep(POLL_MS * 2);
  }
  // Lines of refused or unanswered requests may still come (published before the failure): wait for the
  // queues to empty and the count to hold still, and for the entity owner to judge every fact passed on
  // (its findings are counted after).
  let settled = stored;
  for (let still = 0; still < 3 && performance.now() < deadline; ) {
    await sleep(1_000);
    const now = await storedCount(d.pool);
    const queued = d.cluster ? (await queuedMessages(d.prefix)) + (await unjudgedFacts(d.pool)) : 0;
    still = now === settled && queued === 0 ? still + 1 : 0;
    settled = now;
  }
  return { at, stored, settled };
}

/** Authentication facts the partitions passed on that the entity owner has not judged yet. */
async function unjudgedFacts(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>("select count(*) as n from cluster_entity_outbox");
  return Number(rows[0]?.n ?? 0);
}

interface Integrity {
  acked: number;
  lost: number;
  doubled: number;
  /** Extra copies of any line, acknowledged or not. */
  extraCopies: number;
  /** Lines stored though their request was not answered 200 (published before it failed). */
  unackedStored: number;
  withoutId: number;
}

/** Every acknowledged id stored exactly once? SQL over the `logs` table, or the segment store's lines read. */
async function integrity(d: Deployment, acked: readonly number[], size: number): Promise<Integrity> {
  if (STORE === "segments") return segmentIntegrity(d.url, acked, size);
  const pool = d.pool;
  const { rows } = await pool.query<Record<keyof Omit<Integrity, "acked">, string>>(
    `with acked as (
       select b * $2::int + g as id from unnest($1::int[]) as b, generate_series(0, $2::int - 1) as g),
     stored as (
       select (metadata::jsonb ->> 'bench_id')::int as id, count(*) as n from logs group by 1)
     select
       (select count(*) from acked a where not exists (select 1 from stored s where s.id = a.id)) as "lost",
       (select count(*) from acked a join stored s on s.id = a.id where s.n > 1) as "doubled",
       (select coalesce(sum(n - 1), 0) from stored where id is not null and n > 1) as "extraCopies",
       (select count(*) from stored s where s.id is not null
          and not exists (select 1 from acked a where a.id = s.id)) as "unackedStored",
       (select coalesce(sum(n), 0) from stored where id is null) as "withoutId"`,
    [acked, size],
  );
  const r = rows[0]!;
  return {
    acked: acked.length * size,
    lost: Number(r.lost),
    doubled: Number(r.doubled),
    extraCopies: Number(r.extraCopies),
    unackedStored: Number(r.unackedStored),
    withoutId: Number(r.withoutId),
  };
}

/** `integrity` over a segment store: every line read through the store, its `bench_id` counted. */
async function segmentIntegrity(url: string, acked: readonly number[], size: number): Promise<Integrity> {
  const { copies } = await readSegmentLines(url);
  const ackedIds = new Set<number>();
  for (const b of acked) for (let g = 0; g < size; g++) ackedIds.add(b * size + g);
  let lost = 0;
  let doubled = 0;
  for (const id of ackedIds) {
    const n = copies.get(id) ?? 0;
    if (n === 0) lost++;
    else if (n > 1) doubled++;
  }
  let extraCopies = 0;
  let unackedStored = 0;
  for (const [id, n] of copies) {
    if (id === null) continue;
    if (n > 1) extraCopies += n - 1;
    if (!ackedIds.has(id)) unackedStored++;
  }
  return {
    acked: acked.length * size,
    lost,
    doubled,
    extraCopies,
    unackedStored,
    withoutId: copies.get(null) ?? 0,
  };
}

// ---------------------------------------------------------------------------------- throughput runs

type Setup = "single" | 1 | 2 | 3;

interface ThroughputRun {
  setup: Setup;
  round: number;
  ackedLines: number;
  ackSecs: number;
  storeSecs: number;
  ackedPerSec: number;
  storedPerSec: number;
  non200: number;
  failed: number;
  cpu: CpuSplit;
  /** Templates and anomalies stored: the same work whichever node mined a stream. */
  templates: number;
  anomalies: number;
  /** Rows of miner and detector state (partition_state) and of templates written per 1,000 lines stored. */
  stateWrites: number;
  templateWrites: number;
  integrity: Integrity;
}

const setupName = (s: Setup) => (s === "single" ? "single node, no cluster" : `${s} node${s > 1 ? "s" : ""}`);

async function throughputRun(corpus: Corpus, setup: Setup, round: number): Promise<ThroughputRun> {
  const cluster = setup !== "single";
  const count = cluster ? setup : 1;
  return withDeployment(`${cluster ? `c${setup}` : "single"}_r${round}`, count, cluster, async (d) => {
    const target = Math.ceil(LINES / LINES_PER_REQUEST);
    let nextBody = 0;
    const writes0 = await tableWrites(d.pool);
    const cpu0 = cpuMark(d.nodes);
    const t0 = performance.now();
    // Bodies are handed out until enough were acknowledged or are in flight (a refused one is replaced).
    const load = await runLoad(corpus, d.nodes, LINES_PER_REQUEST, (l, inFlight) =>
      l.acked.length + inFlight >= target ? null : nextBody++,
    );
    const ackSecs = (load.lastAckAt - t0) / 1000;
    const ackedLines = load.acked.length * LINES_PER_REQUEST;
    let cpu1 = cpu0;
    const stored = await waitStored(d, ackedLines, () => {
      cpu1 = cpuMark(d.nodes);
    });
    const storeSecs = (stored.at - t0) / 1000;
    const integrityNow = await integrity(d, load.acked, LINES_PER_REQUEST);
    // Stopped before counting: a node's backends report their statistics when they end.
    await d.stopAll();
    await sleep(500);
    const writes1 = await tableWrites(d.pool);
    const per1k = (t: string) =>
      (((writes1.get(t) ?? 0) - (writes0.get(t) ?? 0)) * 1000) / Math.max(1, stored.settled);
    const run: ThroughputRun = {
      setup,
      round,
      ackedLines,
      ackSecs,
      storeSecs,
      ackedPerSec: ackedLines / ackSecs,
      storedPerSec: stored.stored / storeSecs,
      non200: load.non200,
      failed: load.failed,
      cpu: cpuSplit(cpu0, cpu1, stored.stored),
      templates: await countRows(d.pool, "templates"),
      anomalies: await countRows(d.pool, "anomalies"),
      stateWrites: per1k("partition_state"),
      templateWrites: per1k("templates"),
      integrity: integrityNow,
    };
    console.log(JSON.stringify(run));
    return run;
  });
}

// ------------------------------------------------------------------------------------------ failover

interface FailoverRun {
  /** Offered load, lines/s (null: saturating, the clients send back to back). */
  rate: number | null;
  secs: number;
  victim: string;
  orphaned: number[];
  orphanedStreams: number;
  /** Seconds from the kill until the first / every orphaned partition had a new owner. */
  firstOwnedSecs: number;
  ownedSecs: number;
  /** Seconds from the kill until the first / every orphaned partition had more lines stored. */
  firstResumedSecs: number;
  resumedSecs: number;
  newOwners: Record<string, number[]>;
  ackedLines: number;
  non200: number;
  failed: number;
  /** Seconds from the load's end until every acknowledged line was stored. */
  drainSecs: number;
  /** Lines stored per second, second by second from the load's start. */
  timeline: number[];
  integrity: Integrity;
}

async function failoverRun(corpus: Corpus, rate: number | null, secs: number): Promise<FailoverRun> {
  const size = LINES_PER_REQUEST;
  corpus.prepare(Math.ceil(((rate ?? SATURATING_PREPARED_LINES_PER_SEC) * secs) / size) + CONNECTIONS, size);
  return withDeployment(rate === null ? "saturated" : "failover", 3, true, async (d) => {
    const t0 = performance.now();
    const end = t0 + secs * 1000;
    let nextBody = 0;
    const loading = runLoad(
      corpus,
      d.nodes,
      size,
      () => (performance.now() < end ? nextBody++ : null),
      rate === null ? undefined : (b) => t0 + ((b * size) / rate) * 1000,
    );
    const timeline: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      let last = await storedCount(d.pool);
      for (let s = 1; sampling; s++) {
        await sleep(Math.max(0, t0 + s * 1000 - performance.now()));
        const n = await storedCount(d.pool);
        timeline.push(n - last);
        last = n;
      }
    })();

    await sleep(Math.max(0, t0 + KILL_AT_SECS * 1000 - performance.now()));
    const victim = d.nodes[1]!;
    const before = await owners(d.pool);
    const orphaned = [...before]
      .filter(([, o]) => o === victim.id)
      .map(([p]) => p)
      .sort((a, b) => a - b);
    const partitionOfStream = new Map(
      corpus.services.map((s) => [s, partitionOf({ resource: { "service.name": s } }, PARTITIONS)]),
    );
    const streams = corpus.services.filter((s) => orphaned.includes(partitionOfStream.get(s)!));
    /**
     * Hand-off messages committed per orphaned partition (`cluster_handoffs`, written with their lines):
     * one more than at the kill means the partition's lines are stored again, whichever the log store.
     */
    const perPartition = async () => {
      const { rows } = await d.pool.query<{ partition: number; n: string }>(
        "select partition, count(*) as n from cluster_handoffs where partition = any($1) group by partition",
        [orphaned],
      );
      const out = new Map<number, number>(orphaned.map((p) => [p, 0]));
      for (const r of rows) out.set(r.partition, Number(r.n));
      return out;
    };
    const tKill = performance.now();
    await killNode(victim);
    const baseline = await perPartition();
    const ownedAt = new Map<number, number>();
    const resumedAt = new Map<number, number>();
    const newOwners: Record<string, number[]> = {};
    while (performance.now() - tKill < 120_000) {
      const now = await owners(d.pool);
      for (const p of orphaned) {
        const o = now.get(p);
        if (!ownedAt.has(p) && o && o !== victim.id) {
          ownedAt.set(p, performance.now());
          newOwners[o] = [...(newOwners[o] ?? []), p];
        }
      }
      for (const [p, n] of await perPartition())
        if (!resumedAt.has(p) && n > baseline.get(p)!) resumedAt.set(p, performance.now());
      if (ownedAt.size === orphaned.length && resumedAt.size === orphaned.length) break;
      await sleep(POLL_MS);
    }
    const load = await loading;
    const loadEnd = performance.now();
    const ackedLines = load.acked.length * size;
    const stored = await waitStored(d, ackedLines);
    sampling = false;
    await sampler;
    const owned = [...ownedAt.values()];
    const resumed = [...resumedAt.values()];
    while (timeline.length > 0 && timeline[timeline.length - 1] === 0) timeline.pop();
    const run: FailoverRun = {
      rate,
      secs,
      victim: victim.id,
      orphaned,
      orphanedStreams: streams.length,
      firstOwnedSecs: owned.length ? (Math.min(...owned) - tKill) / 1000 : Number.NaN,
      ownedSecs: owned.length === orphaned.length ? (Math.max(...owned) - tKill) / 1000 : Number.NaN,
      firstResumedSecs: resumed.length ? (Math.min(...resumed) - tKill) / 1000 : Number.NaN,
      resumedSecs: resumed.length === orphaned.length ? (Math.max(...resumed) - tKill) / 1000 : Number.NaN,
      newOwners,
      ackedLines,
      non200: load.non200,
      failed: load.failed,
      drainSecs: (stored.at - loadEnd) / 1000,
      timeline,
      integrity: await integrity(d, load.acked, size),
    };
    console.log(JSON.stringify(run));
    return run;
  });
}

// ------------------------------------------------------------------------------------ rolling restart

interface RollingRun {
  rate: number;
  /** Per node, in order: seconds from SIGTERM until it had exited, and until it was back and the partitions balanced. */
  restarts: { node: string; stopSecs: number; backSecs: number }[];
  ackedLines: number;
  non200: number;
  failed: number;
  integrity: Integrity;
}

/**
 * Three nodes under a paced load, restarted one after the other as a rolling update does: out of the
 * clients' rotation (a terminating pod is no longer ready), SIGTERM (drain, hand the partitions back),
 * started again under the same name, and the partitions balanced before the next.
 */
async function rollingRestartRun(corpus: Corpus, rate: number): Promise<RollingRun> {
  const size = LINES_PER_REQUEST;
  corpus.prepare(Math.ceil((rate * (ROLLING_SECS_BUDGET + 30)) / size) + CONNECTIONS, size);
  return withDeployment("rolling", 3, true, async (d) => {
    const t0 = performance.now();
    let stop = false;
    let nextBody = 0;
    const loading = runLoad(
      corpus,
      d.nodes,
      size,
      () => (stop ? null : nextBody++),
      (b) => t0 + ((b * size) / rate) * 1000,
    );
    await sleep(ROLLING_SETTLE_SECS * 1000);
    const restarts: RollingRun["restarts"] = [];
    for (const old of d.nodes.filter((n) => n.alive)) {
      const ts = performance.now();
      old.alive = false;
      await stopNode(old);
      const stopSecs = (performance.now() - ts) / 1000;
      d.nodes.push(await startNode(old.id, d.url, d.prefix, true));
      await waitBalanced(
        d.pool,
        d.nodes.filter((n) => n.alive).map((n) => n.id),
      );
      restarts.push({ node: old.id, stopSecs, backSecs: (performance.now() - ts) / 1000 });
    }
    await sleep(ROLLING_SETTLE_SECS * 1000);
    stop = true;
    const load = await loading;
    const ackedLines = load.acked.length * size;
    await waitStored(d, ackedLines);
    const run: RollingRun = {
      rate,
      restarts,
      ackedLines,
      non200: load.non200,
      failed: load.failed,
      integrity: await integrity(d, load.acked, size),
    };
    console.log(JSON.stringify(run));
    return run;
  });
}

// -------------------------------------------------------------------------------------------- report

function throughputTable(runs: readonly ThroughputRun[]): string {
  return table(
    [
      "setup",
      "round",
      "lines acked",
      "acked lines/s",
      "stored lines/s",
      "non-2xx",
      "CPU µs/line: nodes",
      "PostgreSQL",
      "RabbitMQ",
      "clients",
      "machine busy",
      "state rows / 1k lines",
      "template rows / 1k lines",
      "lost",
      "doubled",
    ],
    runs.map((r) => [
      setupName(r.setup),
      r.round,
      fmt(r.ackedLines),
      fmt(r.ackedPerSec),
      fmt(r.storedPerSec),
      r.non200 + r.failed,
      fmt(r.cpu.nodes, 1),
      fmt(r.cpu.postgres, 1),
      fmt(r.cpu.rabbitmq, 1),
      fmt(r.cpu.bench, 1),
      `${fmt(r.cpu.busy * 100)} %`,
      fmt(r.stateWrites, 1),
      fmt(r.templateWrites, 1),
      r.setup === "single" ? "–" : r.integrity.lost,
      r.setup === "single" ? "–" : r.integrity.doubled,
    ]),
  );
}

function failoverTable(runs: readonly FailoverRun[]): string {
  const row = (name: string, f: (r: FailoverRun) => string) => [name, ...runs.map(f)];
  const secs = (n: number) => `${fmt(n, 1)} s`;
  return table(
    ["measure", ...runs.map((r) => (r.rate === null ? "saturating load" : "paced load"))],
    [
      row("offered load", (r) =>
        r.rate === null
          ? `${CONNECTIONS} clients back to back, ${r.secs} s`
          : `${fmt(r.rate)} lines/s, ${r.secs} s`,
      ),
      row("partitions of the killed node", (r) => `${r.orphaned.join(", ")} (${r.orphanedStreams} streams)`),
      row("new owners", (r) =>
        Object.entries(r.newOwners)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([o, ps]) => `${o}: ${ps.sort((a, b) => a - b).join(", ")}`)
          .join("; "),
      ),
      row("kill → first of its partitions owned again", (r) => secs(r.firstOwnedSecs)),
      row("**kill → every one of its partitions owned again**", (r) => `**${secs(r.ownedSecs)}**`),
      row("kill → first of its partitions stores lines again", (r) => secs(r.firstResumedSecs)),
      row("**kill → every one of its partitions stores lines again**", (r) => `**${secs(r.resumedSecs)}**`),
      row("load end → every acknowledged line stored", (r) => secs(r.drainSecs)),
      row("lines acknowledged (HTTP 200)", (r) => fmt(r.integrity.acked)),
      row("requests refused (503) / unanswered (the killed node's)", (r) => `${r.non200} / ${r.failed}`),
      row("**acknowledged lines lost**", (r) => `**${fmt(r.integrity.lost)}**`),
      row("**acknowledged lines stored more than once**", (r) => `**${fmt(r.integrity.doubled)}**`),
      row("extra copies of any line", (r) => fmt(r.integrity.extraCopies)),
      row("lines stored though their request got no 200", (r) => fmt(r.integrity.unackedStored)),
    ],
  );
}

/** Replicas of system 002's scaling guide: 4 of one CPU each. */
const REPLICAS = 4;

/**
 * What 4 one-CPU replicas would store, from the per-line CPU each process spent in the 1-node cluster runs
 * (the least contended here): each replica's core gives 10⁶ / (node µs a line) lines/s, and the shared
 * PostgreSQL and RabbitMQ must give their µs a line for every line of all four. This 2-core machine cannot
 * run that deployment, so the projection is the figure; it assumes a node's cost per line stays what one
 * node measured (no cross-node contention but the shared services').
 */
function projectReplicas(c: {
  nodes: number;
  postgres: number;
  rabbitmq: number;
  singleNodes: number;
  singlePostgres: number;
}): string {
  const byNodes = (REPLICAS * 1e6) / c.nodes;
  const pgCores = (byNodes * c.postgres) / 1e6;
  const mqCores = (byNodes * c.rabbitmq) / 1e6;
  const onePg = 1e6 / c.postgres;
  const single = 1e6 / c.singleNodes;
  return (
    `**Projected, ${REPLICAS} replicas of 1 CPU each** (from the 1-node cluster runs' medians: ${fmt(c.nodes)} µs ` +
    `of node CPU, ${fmt(c.postgres)} µs of PostgreSQL and ${fmt(c.rabbitmq)} µs of RabbitMQ a stored line): ` +
    `the replicas' cores store **${fmt(byNodes)} lines/s**, if PostgreSQL has ${fmt(pgCores, 1)} cores to give ` +
    `them and RabbitMQ ${fmt(mqCores, 1)}; PostgreSQL with one core caps the cluster at ${fmt(onePg)} lines/s` +
    `${onePg < byNodes ? " (**PostgreSQL's share caps it**)" : ""}. One replica without the cluster on its one ` +
    `CPU: ${fmt(single)} lines/s (${fmt(c.singleNodes)} µs a line; PostgreSQL ${fmt(c.singlePostgres)} µs), so ` +
    `the four together give ${ratio2(byNodes / single)} one replica alone; the goal is a cluster node at ≤ 1.5× ` +
    `a single node's CPU a line (here ${ratio2(c.nodes / c.singleNodes)}) and PostgreSQL ≤ 5 µs a line.`
  );
}

function ratio2(x: number): string {
  return `${x.toFixed(2)}×`;
}

async function main(): Promise<void> {
  const loadStart = loadAverages();
  const tCorpus = performance.now();
  const corpus = new Corpus(Math.max(LINES, 200_000));
  corpus.prepare(Math.ceil(LINES / LINES_PER_REQUEST) + CONNECTIONS, LINES_PER_REQUEST);
  console.log(`corpus ready in ${fmt((performance.now() - tCorpus) / 1000, 1)} s`);

  const runs: ThroughputRun[] = [];
  const setups: Setup[] = ["single", ...NODE_COUNTS];
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? setups : [...setups].reverse();
    for (const setup of order) runs.push(await throughputRun(corpus, setup, round));
  }
  const med = (s: Setup, f: (r: ThroughputRun) => number) => median(runs.filter((r) => r.setup === s).map(f));
  const stored = (s: Setup) => med(s, (r) => r.storedPerSec);
  const acked = (s: Setup) => med(s, (r) => r.ackedPerSec);
  const busy = (s: Setup) => med(s, (r) => r.cpu.busy);
  const nodesCpu = (s: Setup) => med(s, (r) => r.cpu.nodes);
  const rate = Number(process.env.BENCH_FAILOVER_RATE ?? Math.round(stored(3) * FAILOVER_LOAD_SHARE));
  const failover = await failoverRun(corpus, rate, FAILOVER_SECS);
  const saturated = await failoverRun(corpus, null, SATURATING_SECS);
  const failovers = [failover, saturated];
  const rolling = await rollingRestartRun(corpus, rate);

  const clusterRuns = runs.filter((r) => r.setup !== "single");
  const integrities = [...clusterRuns, ...failovers, rolling].map((r) => r.integrity);
  const lost = integrities.reduce((a, i) => a + i.lost, 0);
  const doubled = integrities.reduce((a, i) => a + i.doubled, 0);
  const range = (f: (r: ThroughputRun) => number) =>
    `${fmt(Math.min(...runs.map(f)))}–${fmt(Math.max(...runs.map(f)))}`;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const cores = cpus().length;
  const projection = projectReplicas({
    nodes: nodesCpu(1),
    postgres: med(1, (r) => r.cpu.postgres),
    rabbitmq: med(1, (r) => r.cpu.rabbitmq),
    singleNodes: nodesCpu("single"),
    singlePostgres: med("single", (r) => r.cpu.postgres),
  });
  const md = [
    "## Cluster mode: ingest across nodes, failover (`npm run bench:cluster`)",
    "",
    `${machineLine()} Load average: ${loadStart} → ${loadAverages()} (1/5/15 min); other jobs shared the machine.`,
    "",
    `Every node is a \`logwarden serve\` process (built, as \`npm start\` runs it; \`LOG_STORE=${STORE}\`${STORE === "segments" ? ", the default for a new database" : ""}) on this one machine, all on one PostgreSQL 15 (a fresh ` +
      "schema per run, `?options=-c search_path=…`) and the local RabbitMQ (a queue prefix per run, the queues " +
      `deleted after it). Cluster runs: \`CLUSTER_PARTITIONS=${PARTITIONS}\`, \`CLUSTER_LEASE_SECS=${LEASE_SECS}\`, ` +
      "the nodes started one after the other and the partitions evenly owned (`cluster_partitions`) before the " +
      `load. Load: ${CONNECTIONS} concurrent HTTP clients in the bench process POST JSON arrays of ` +
      `${fmt(LINES_PER_REQUEST)} system 004 log objects to \`/ingest\`, round-robin over the nodes, until ` +
      `${fmt(LINES)} lines are acknowledged (HTTP 200) per run; ${ROUNDS} round${ROUNDS > 1 ? "s" : ""}, the ` +
      "order reversed every other round. The lines are the fresh-valued LogHub corpus (`nonRepeatingRawLines`, the 1M-line " +
      `mixed corpus, cut to ${fmt(Math.max(LINES, 200_000))} lines), the ${corpus.datasets.length} datasets ` +
      `interleaved line by line over ${corpus.services.length} streams (\`<dataset>-<k>\`, k < ` +
      `${STREAMS_PER_DATASET}), which FNV-1a spreads over the ${PARTITIONS} partitions (5 to 8 streams each); ` +
      "record times advance 10 ms a line, and every line carries a unique `metadata.bench_id`.",
    "",
    "*Acked lines/s*: acknowledged lines over the time from the first request to the last 200 (a cluster node " +
      "answers once the broker has confirmed the hand-off, before the partition's owner stores it). *Stored " +
      `lines/s*: lines stored (${STORE === "segments" ? "the line counts of `log_batches` and `log_segments`" : "`select count(*) from logs`"}, polled) once every acknowledged line is there, over the time ` +
      "from the first request: mined, run through the detectors and committed by the partitions' owners. " +
      "*Single node, no cluster*: the same `serve` without `CLUSTER_PARTITIONS` on the same PostgreSQL (it " +
      "answers after committing, so acked ≈ stored). *Non-2xx*: requests refused (503, ingest's backpressure); " +
      "their lines are never sent again (the next request carries fresh ids). CPU µs per stored line from " +
      "/proc over the load until everything is stored: the nodes, PostgreSQL and RabbitMQ (both include other " +
      "jobs using them), and the bench process sending (*clients*); " +
      `*machine busy*: the share of the ${cores} cores busy meanwhile, whoever used them. *State rows* ` +
      "(`partition_state`) and *template rows* written per 1,000 stored lines: `pg_stat_user_tables` inserts + " +
      "updates, the nodes' final saves at stop included. *Lost*: acknowledged ids not stored; *doubled*: " +
      `acknowledged ids stored more than once (${STORE === "segments" ? "every stored line read through the segment store, its" : "SQL over"} \`metadata.bench_id\`).`,
    "",
    throughputTable(runs),
    "",
    `Medians: no cluster ${fmt(stored("single"))} lines/s stored; cluster ` +
      NODE_COUNTS.map(
        (n) => `${n} node${n > 1 ? "s" : ""} ${fmt(stored(n))} stored (${fmt(acked(n))} acked)`,
      ).join(", ") +
      `. **Stored lines/s, 2 nodes / 1 node: ${ratio(stored(2), stored(1))}; 3 nodes / 1 node: ` +
      `${ratio(stored(3), stored(1))}** (acked lines/s: ${ratio(acked(2), acked(1))}, ${ratio(acked(3), acked(1))}); ` +
      `1 cluster node / no cluster: ${ratio(stored(1), stored("single"))}. Templates (${range((r) => r.templates)}) ` +
      `and anomalies (${range((r) => r.anomalies)}) stored were alike in every run: the same work, whichever ` +
      "node mined a stream (the order requests reach the miners varies with the clients' timing).",
    "",
    `Why the ratios are nowhere near 2 and 3: this machine has ${cores} cores, which every node, PostgreSQL, ` +
      `RabbitMQ, the clients and other jobs share, and they were ${fmt(busy(1) * 100)} % busy with one cluster ` +
      `node already (${fmt(busy(3) * 100)} % with three). More nodes here add processes, not cores: the ` +
      `nodes' CPU per line ${nodesCpu(3) > nodesCpu(1) ? "rises" : "does not fall"} (${fmt(nodesCpu(1))} µs with ` +
      `one node, ${fmt(nodesCpu(3))} with three: more processes contending for the same cores), and ` +
      `PostgreSQL's, on those cores too, stays (${fmt(med(1, (r) => r.cpu.postgres))} and ` +
      `${fmt(med(3, (r) => r.cpu.postgres))} µs). The ratios measure the ` +
      "cost of spreading on one machine, not how the cluster scales over machines, where each node's " +
      "mining and detection (the *nodes* column) would run on cores of its own and PostgreSQL would be the " +
      "shared part. What one cluster node costs over none: the hand-off (publish, confirm, consume, JSON both " +
      `ways: the RabbitMQ column) and the commit of every partition batch: ${fmt(
        med(1, (r) => r.stateWrites),
        1,
      )} ` +
      `state rows and ${fmt(med(1, (r) => r.templateWrites))} template rows per 1,000 lines against ` +
      `${fmt(
        med("single", (r) => r.stateWrites),
        1,
      )} and ${fmt(med("single", (r) => r.templateWrites))} without ` +
      "cluster, since a partition commits the state of every stream its batch touched with the batch (so " +
      "whoever takes the partition over starts exactly there): the stream's detectors' row with every batch, " +
      "and its templates' row with a batch that created or reshaped one of them (this corpus's fresh values keep " +
      "reshaping templates for a long while; a stream's templates were three fifths of its state), rows over " +
      "2 KB compressed (brotli, quality 1, before PostgreSQL would compress them itself), where a single node saves it every " +
      "`INGEST_STATE_SAVE_SECS` (template counts follow at that interval in both; a batch writes only the " +
      "templates it created or reshaped); a partition's batch is what its queue held (here 12 partitions share each " +
      `${fmt(LINES_PER_REQUEST)}-line request), so smaller requests or a thinner load make that cost per line higher.`,
    "",
    projection,
    "",
    "### Failover",
    "",
    `Three nodes, twice: under a steady load paced at ${Math.round(FAILOVER_LOAD_SHARE * 100)} % of the 3-node ` +
      `median stored rate above (same requests, ${FAILOVER_SECS} s), and under a saturating one (the ` +
      `${CONNECTIONS} clients back to back, ${SATURATING_SECS} s: the node dies with requests and batches in ` +
      `flight and a backlog in its queues). ${KILL_AT_SECS} s in, node \`${failover.victim}\` is killed with ` +
      "SIGKILL (no drain, no hand-back); the clients send to the live nodes from then on, and requests in flight " +
      "at the killed node go unanswered (a client would send those again; their lines may have been handed off " +
      "already, hence the last row). Every 100 ms the bench reads `cluster_partitions` and the lines stored for " +
      `each of the killed node's partitions (its committed hand-offs, \`cluster_handoffs\`). With a ${LEASE_SECS} s lease the ` +
      `survivors count the node gone once its heartbeat and leases are ${LEASE_SECS} s old (it renewed them ` +
      `up to ${LEASE_SECS / 4} s before the kill) and claim its partitions at their next round (every ` +
      `${LEASE_SECS / 4} s); the queues still hold every message it had not acknowledged, and a new owner ` +
      "skips a redelivered message whose records its predecessor had committed (`cluster_handoffs`). After the " +
      "load, the check waits until every acknowledged line is stored and the queues are empty.",
    "",
    failoverTable(failovers),
    "",
    `Lines stored per second from the load's start (kill at ${KILL_AT_SECS} s). Paced (a request's 2,000 ` +
      `lines commit within a second, hence the steps): ${failover.timeline.map((n) => fmt(n)).join(", ")}. ` +
      `Saturating (the load ends at ${SATURATING_SECS} s; the drain after it runs on bigger batches, several ` +
      `queued messages each): ${saturated.timeline.map((n) => fmt(n)).join(", ")}.`,
    "",
    "### Rolling restart",
    "",
    `Three nodes under the paced load above (${fmt(rolling.rate)} lines/s), restarted one after the other as a ` +
      "rolling update does: out of the clients' rotation (a terminating pod is not ready), SIGTERM (the node " +
      "stops taking requests, drains, hands its partitions back), started again under the same name, and the " +
      "partitions balanced again before the next. Seconds from SIGTERM to exit / to the node back and balanced: " +
      `${rolling.restarts.map((r) => `${r.node} ${fmt(r.stopSecs, 1)} / ${fmt(r.backSecs, 1)}`).join(", ")}. ` +
      `${fmt(rolling.ackedLines)} lines acknowledged; ${rolling.non200} requests refused (503), ${rolling.failed} ` +
      `unanswered; **${fmt(rolling.integrity.lost)} acknowledged lines lost, ${fmt(rolling.integrity.doubled)} ` +
      "stored more than once**.",
    "",
    `**Over every cluster run here (${clusterRuns.length} throughput runs, ${failovers.length} failover runs and ` +
      "a rolling restart): " +
      `${fmt(lost)} acknowledged lines lost, ${fmt(doubled)} stored more than once.**`,
  ].join("\n");
  console.log(`\n${md}`);
  writeBenchSection("cluster", md);
}

await main();
