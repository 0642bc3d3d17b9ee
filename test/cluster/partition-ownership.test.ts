import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionOf } from "../../src/distribution/partition-key.js";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import { postIngest } from "../helpers/cluster-node-env.js";
import {
  deletePartitionQueues,
  partitionQueueDepths,
  rabbitmqAvailable,
  TEST_RABBITMQ_URL,
} from "../helpers/rabbitmq.js";
import { createTestSchema, dropTestSchemas, postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Issue 16 end to end: three `logwarden serve` processes share partitions on one PostgreSQL schema and
 * RabbitMQ, fed round-robin; a single node (no cluster) on its own schema gets the same requests and is
 * the reference for what detection must find. The tests build on each other, in order: three nodes, then
 * two after the first kill, then one.
 */

const PARTITIONS = 8;
const LEASE_SECS = 3;
const TOKEN = "partition-test-token-0123456789abcdef";
/** Record time of the streams: an hour ago, the same strings for the cluster and the baseline. */
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
/**
 * Sessions: a job's lines share `job_N`; a session closes after 10 s of record time without a line, or
 * when its partition has had no line for 10 s of wall time (the detectors' tick, every second here).
 */
const IDLE_SECS = 10;
const SEQUENCE_ENV = {
  SEQUENCE_ENABLED: "true",
  SEQUENCE_SESSION_KEY: "job_[0-9]+",
  SEQUENCE_IDLE_TIMEOUT_SECS: String(IDLE_SECS),
  DETECTOR_TICK_SECS: "1",
  SEQUENCE_WARMUP_SESSIONS: "40",
  // These jobs run their steps in one order (as in test/cli/analyze-sessions.test.ts).
  SEQUENCE_TOP_G: "1",
};

interface Line {
  timestamp: string;
  service: string;
  level: string;
  message: string;
}

const iso = (secs: number) => new Date(BASE_MS + secs * 1000).toISOString();

const run = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const prefix = `lw_po_${run}.`;
const schemas: string[] = [];
const dataDirs: string[] = [];
const nodes: { id: string; serve: ServeProcess }[] = [];
/** Nodes a test killed. */
const killed = new Set<string>();
let baseline: ServeProcess | undefined;
let cluster: pg.Client | undefined;
let single: pg.Client | undefined;
let available = false;

async function schemaUrl(name: string): Promise<string> {
  const schema = `${name}_${run}`;
  schemas.push(schema);
  return (await createTestSchema(schema)).toString();
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "logwarden-partitions-"));
  dataDirs.push(dir);
  return dir;
}

const post = (url: string, lines: readonly Line[]) => postIngest(url, TOKEN, lines);

async function count(db: pg.Client, query: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query(query, params)).rows[0].n);
}

async function owners(): Promise<Map<number, string | null>> {
  const { rows } = await cluster!.query(
    "select partition, owner, lease_until from cluster_partitions where partition >= 0 order by partition",
  );
  return new Map(rows.map((r: { partition: number; owner: string | null }) => [r.partition, r.owner]));
}

/** Each stored line's message → how many rows hold it. */
async function storedMessages(db: pg.Client): Promise<Map<string, number>> {
  const { rows } = await db.query("select message, count(*) as n from logs group by message");
  return new Map(rows.map((r: { message: string; n: string }) => [r.message, Number(r.n)]));
}

/**
 * A detector's anomalies as comparable values: key, how many findings merged into the row, the text,
 * the features, and the evidence as the lines' messages (row ids differ from store to store).
 */
async function findings(db: pg.Client, agent: string) {
  const { rows } = await db.query(
    "select key, count, description, features, evidence from anomalies where agent_name = $1 order by key",
    [agent],
  );
  const parsed = (
    rows as { key: string; count: number; description: string; features: string; evidence: string }[]
  ).map((r) => ({
    ...r,
    ids: ((typeof r.evidence === "string" ? JSON.parse(r.evidence) : r.evidence) as number[]).map(Number),
  }));
  const { rows: lines } = await db.query("select id, message from logs where id = any($1::bigint[])", [
    parsed.flatMap((r) => r.ids),
  ]);
  const byId = new Map(lines.map((l: { id: string | number; message: string }) => [Number(l.id), l.message]));
  return parsed.map((r) => ({
    key: r.key,
    count: Number(r.count),
    description: r.description,
    features: typeof r.features === "string" ? JSON.parse(r.features) : r.features,
    evidence: r.ids.map((id) => byId.get(id) ?? `missing log ${id}`),
  }));
}

/**
 * Waits until the entity owner has judged every authentication fact the partitions passed on (the
 * cluster's brute-force findings are its, stored a round after the lines).
 */
async function entityFactsJudged(db: pg.Client): Promise<void> {
  await waitFor(
    async () => (await count(db, "select count(*) as n from cluster_entity_outbox")) === 0,
    "the entity owner judging every authentication fact passed on",
    30_000,
    100,
  );
}

async function agentCounts(db: pg.Client): Promise<Record<string, number>> {
  const { rows } = await db.query(
    "select agent_name, count(*) as n from anomalies group by agent_name order by agent_name",
  );
  return Object.fromEntries(rows.map((r: { agent_name: string; n: string }) => [r.agent_name, Number(r.n)]));
}

/** Rows a detector stored twice for one key (a finding raised again instead of merged). */
async function duplicateFindings(db: pg.Client): Promise<number> {
  return count(
    db,
    "select count(*) as n from (select 1 from anomalies group by agent_name, key, timestamp having count(*) > 1) d",
  );
}

// ---- the streams ----

/** sshd failures: `port` is unique per line, so every stored line can be told apart. */
function sshFailure(at: number, user: string, ip: string, port: number): Line {
  return {
    timestamp: iso(at),
    service: "sshd",
    level: "warn",
    message: `Failed password for ${user} from ${ip} port ${port} ssh2`,
  };
}

function normal(at: number, service: string, n: number): Line {
  const text =
    service === "web"
      ? `GET /api/items/${n} 200 12ms req=${n}`
      : service === "postgres"
        ? `checkpoint complete seq=${n}`
        : `eth0: link up, 1000 Mbps full duplex seq=${n}`;
  return { timestamp: iso(at), service, level: "info", message: text };
}

/** A job's four lines, or the broken ones given. */
function jobSteps(id: number, broken?: string[]): string[] {
  return (
    broken ?? [
      `job job_${id} started by scheduler`,
      `job job_${id} fetched ${100 + id} rows from source`,
      `job job_${id} wrote ${100 + id} rows to sink`,
      `job job_${id} finished ok`,
    ]
  );
}

/**
 * Phase 1: brute force from a few addresses (9 attempts: none; 12, 25, 45, 90: reports at 10, 20, 40,
 * 80), one address again after a quiet window (a second burst merging into its anomaly), 60 jobs (three
 * at a time, interleaved, so a session's lines land in different requests and on different nodes),
 * two of them broken, and normal lines of three other services.
 */
function phaseOne(): Line[] {
  const lines: Line[] = [];
  const attackers = [
    { ip: "203.0.113.7", users: ["root"], n: 90 },
    { ip: "203.0.113.8", users: ["admin", "oracle"], n: 45 },
    { ip: "198.51.100.23", users: ["ubuntu"], n: 25 },
    { ip: "198.51.100.24", users: ["test"], n: 12 },
    { ip: "192.0.2.99", users: ["pi"], n: 9 },
  ];
  let port = 30_000;
  let t = 0;
  let n = 0;
  const jobs = Array.from({ length: 60 }, (_, i) => i);
  const broken: Record<number, string[]> = {
    // Stopped after fetching: never wrote nor finished.
    47: ["job job_47 started by scheduler", "job job_47 fetched 7 rows from source"],
    // Wrote before fetching.
    53: [
      "job job_53 started by scheduler",
      "job job_53 wrote 9 rows to sink",
      "job job_53 fetched 9 rows from source",
      "job job_53 finished ok",
    ],
  };
  const jobLines: string[] = [];
  for (let g = 0; g < jobs.length; g += 3) {
    const group = jobs.slice(g, g + 3).map((id) => jobSteps(id, broken[id]));
    for (let k = 0; k < 4; k++) for (const s of group) if (s[k] !== undefined) jobLines.push(s[k]!);
  }
  let j = 0;
  for (let step = 0; step < 100; step++) {
    for (const a of attackers)
      if (step < a.n) lines.push(sshFailure(t, a.users[step % a.users.length]!, a.ip, port++));
    for (let k = 0; k < 3 && j < jobLines.length; k++)
      lines.push({ timestamp: iso(t), service: "batch", level: "info", message: `batch ${jobLines[j++]}` });
    lines.push(normal(t, ["web", "postgres", "kernel"][step % 3]!, n++));
    t += 2;
  }
  while (j < jobLines.length)
    lines.push({ timestamp: iso(t++), service: "batch", level: "info", message: `batch ${jobLines[j++]}` });
  // A second burst of the first address after a quiet window (900 s later): reported again from 10.
  t += 900;
  for (let k = 0; k < 15; k++) lines.push(sshFailure(t + k, "root", "203.0.113.7", port++));
  // A job far later: its time closes every job above (record time); it stays open until the tick.
  lines.push({
    timestamp: iso(t + 3_600),
    service: "batch",
    level: "info",
    message: "batch job job_999 started by scheduler",
  });
  return lines;
}

/** Phase 2: requests per episode; an episode's record time is 10 s, and episodes are 400 s apart. */
const EPISODE_REQUESTS = 5;
const EPISODE_ATTACKERS = 8;
/** Concurrent senders in phase 2. */
const SENDERS = 4;

/**
 * Phase 2's request `i`: 16 sshd failures and 4 other lines. An episode (5 requests) has 8 addresses of
 * its own, each failing exactly 10 times (the threshold) against one user of its own: one brute force
 * finding per address and per user, which one lost line would suppress and one stored twice would change
 * (its evidence). Ports (40000 + line) make every line unique.
 */
function phaseTwoRequest(i: number): Line[] {
  const episode = Math.floor(i / EPISODE_REQUESTS);
  const t = 20_000 + episode * 400 + (i % EPISODE_REQUESTS) * 2;
  const lines: Line[] = [];
  for (let k = 0; k < 16; k++) {
    const line = i * 16 + k;
    const a = line % EPISODE_ATTACKERS;
    const ip = `100.${64 + Math.floor(episode / 250)}.${episode % 250}.${a + 1}`;
    lines.push(sshFailure(t, `u${episode}_${a}`, ip, 40_000 + line));
  }
  for (let k = 0; k < 4; k++)
    lines.push(normal(t, ["web", "postgres", "kernel"][k % 3]!, 100_000 + i * 4 + k));
  return lines;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

beforeAll(async () => {
  available = (await postgresAvailable()) && (await rabbitmqAvailable());
  if (!available) return;
  const clusterUrl = await schemaUrl("lw_po_cluster");
  const baselineUrl = await schemaUrl("lw_po_single");
  // LOG_STORE=table: the checks count rows of the `logs` table in PostgreSQL directly.
  const common = { API_TOKEN: TOKEN, LOG_STORE: "table", ...SEQUENCE_ENV };
  const clusterEnv = (id: string) => ({
    ...common,
    DATABASE_URL: clusterUrl,
    DATA_DIR: dataDir(),
    CLUSTER_PARTITIONS: String(PARTITIONS),
    CLUSTER_RABBITMQ_URL: TEST_RABBITMQ_URL,
    CLUSTER_QUEUE_PREFIX: prefix,
    CLUSTER_NODE_ID: id,
    CLUSTER_LEASE_SECS: String(LEASE_SECS),
  });
  const ids = ["n1", "n2", "n3"];
  // All four at once: the cluster's migrations run once (an advisory lock), whoever is first.
  const started = await Promise.all([
    ...ids.map((id) => startServe(clusterEnv(id), 90_000)),
    startServe({ ...common, DATABASE_URL: baselineUrl, DATA_DIR: dataDir() }, 90_000),
  ]);
  for (const [i, id] of ids.entries()) nodes.push({ id, serve: started[i]! });
  baseline = started[3];
  cluster = new pg.Client({ connectionString: clusterUrl });
  await cluster.connect();
  single = new pg.Client({ connectionString: baselineUrl });
  await single.connect();
}, 120_000);

afterAll(async () => {
  await Promise.all([...nodes.map((n) => n.serve.stop("SIGKILL")), baseline?.stop("SIGKILL")]);
  await cluster?.end().catch(() => {});
  await single?.end().catch(() => {});
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  if (schemas.length > 0) await dropTestSchemas(...schemas);
  if (available) await deletePartitionQueues(prefix, PARTITIONS).catch(() => {});
}, 60_000);

describe("cluster partition ownership (three serve processes, PostgreSQL, RabbitMQ)", () => {
  it("spreads the partitions, stores every line once and detects exactly what a single node detects", async (ctx) => {
    if (!available) ctx.skip();
    const db = cluster!;
    const share = Math.ceil(PARTITIONS / nodes.length);
    const spread = await waitFor(
      async () => {
        const o = await owners();
        if (o.size !== PARTITIONS || [...o.values()].some((x) => x === null)) return null;
        const per = nodes.map((n) => [...o.values()].filter((x) => x === n.id).length);
        return per.every((k) => k > 0 && k <= share) ? per : null;
      },
      `every partition owned, each of the three nodes owning 1 to ${share}`,
      60_000,
      100,
    );
    console.log(`partitions per node: ${nodes.map((n, i) => `${n.id}=${spread[i]}`).join(" ")}`);

    const lines = phaseOne();
    // 19 lines a request: both broken jobs' lines then go through more than one node.
    const requests = chunks(lines, 19);
    // Which nodes each job's lines went to: sessions must be assembled from several nodes' requests.
    const jobNodes = new Map<string, Set<number>>();
    for (const [i, body] of requests.entries()) {
      const node = i % nodes.length;
      expect(await post(nodes[node]!.serve.url, body)).toBe(200);
      for (const l of body) {
        const job = /job_\d+/.exec(l.message)?.[0];
        if (job) jobNodes.set(job, (jobNodes.get(job) ?? new Set()).add(node));
      }
    }
    for (const body of requests) expect(await post(baseline!.url, body)).toBe(200);
    const split = [...jobNodes.values()].filter((s) => s.size > 1).length;
    expect(split).toBeGreaterThan(10);

    await waitFor(
      async () => (await count(db, "select count(*) as n from logs")) >= lines.length,
      `the cluster storing all ${lines.length} lines`,
      60_000,
      100,
    );
    const stored = await storedMessages(db);
    expect(stored.size).toBe(lines.length);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    expect(lines.every((l) => stored.get(l.message) === 1)).toBe(true);

    await entityFactsJudged(db);
    const clusterBrute = await findings(db, "brute_force");
    const singleBrute = await findings(single!, "brute_force");
    console.log(
      `phase 1: ${lines.length} lines; brute_force rows ${clusterBrute.length} (findings ${clusterBrute
        .map((f) => `${f.key}×${f.count}`)
        .join(", ")})`,
    );
    expect(singleBrute.map((f) => f.key)).toEqual(
      expect.arrayContaining(["ip:203.0.113.7", "ip:203.0.113.8", "ip:198.51.100.23", "ip:198.51.100.24"]),
    );
    expect(singleBrute.some((f) => f.key === "ip:192.0.2.99")).toBe(false);
    expect(clusterBrute).toEqual(singleBrute);

    // Sessions: the two broken jobs are flagged, from lines that came through different nodes, and the
    // last job, left open, once its partition has been quiet for IDLE_SECS (a tick's finding).
    for (const [name, store] of [
      ["cluster", db],
      ["single node", single!],
    ] as const)
      await waitFor(
        async () => (await count(store, "select count(*) as n from anomalies where key = 'job_999'")) > 0,
        `the ${name} closing the open session job_999 after ${IDLE_SECS} s of quiet`,
        60_000,
        200,
      );
    const clusterSessions = await findings(db, "sequence");
    const singleSessions = await findings(single!, "sequence");
    console.log(
      `sessions: ${split} of ${jobNodes.size} jobs sent through more than one node; sequence findings ${clusterSessions
        .map((f) => f.key)
        .join(", ")}`,
    );
    expect(singleSessions.map((f) => f.key)).toEqual(["job_47", "job_53", "job_999"]);
    expect(clusterSessions).toEqual(singleSessions);
    for (const key of ["job_47", "job_53"]) expect(jobNodes.get(key)!.size).toBeGreaterThan(1);
    for (const f of clusterSessions)
      expect(f.evidence).toEqual(lines.filter((l) => l.message.includes(`${f.key} `)).map((l) => l.message));

    console.log(
      `anomalies by detector: cluster ${JSON.stringify(await agentCounts(db))}, single ${JSON.stringify(await agentCounts(single!))}`,
    );
    expect(await duplicateFindings(db)).toBe(0);
  }, 120_000);

  it("a partition owner killed with SIGKILL mid-stream: its partitions are taken over, every acknowledged line is stored once, no finding lost or doubled", async (ctx) => {
    if (!available) ctx.skip();
    const db = cluster!;
    const ssh = partitionOf({ resource: { "service.name": "sshd" } }, PARTITIONS);
    const before = await owners();
    const victimId = before.get(ssh)!;
    const victim = nodes.find((n) => n.id === victimId)!;
    const survivors = nodes.filter((n) => n !== victim);
    const taken = [...before].filter(([, owner]) => owner === victimId).map(([p]) => p);
    const phase2Ssh = "select count(*) as n from logs where message like 'Failed password for u%'";

    // Four senders, each posting whole episodes request after request, alternating between the two nodes
    // that live on: enough that the sshd partition's owner has a backlog when it is killed. An episode's
    // keys (addresses, users) are its own, so what detection makes of one episode does not depend on how
    // the senders' requests interleave, and the single node can take them in any order.
    const statuses = new Map<number, number>();
    let stop = false;
    const senders = Array.from({ length: SENDERS }, (_, s) =>
      (async () => {
        for (let episode = s; !stop; episode += SENDERS)
          for (let k = 0; k < EPISODE_REQUESTS; k++) {
            const i = episode * EPISODE_REQUESTS + k;
            statuses.set(i, await post(survivors[i % 2]!.serve.url, phaseTwoRequest(i)).catch(() => 0));
          }
      })(),
    );
    try {
      // Killed while it is storing the stream (the sshd partition is the busiest).
      await waitFor(
        async () => (await count(db, phase2Ssh)) >= 800,
        "the victim storing phase 2",
        60_000,
        50,
      );
      const backlog = (await partitionQueueDepths(prefix, PARTITIONS))[ssh]!;
      const sentAtKill = statuses.size;
      const killedAt = performance.now();
      killed.add(victimId);
      expect(await victim.serve.stop("SIGKILL")).toBeNull();
      const storedAtKill = await count(db, phase2Ssh);
      const takeoverSecs = await waitFor(
        async () => {
          const o = await owners();
          return taken.every((p) => o.get(p) !== null && o.get(p) !== victimId)
            ? (performance.now() - killedAt) / 1000
            : null;
        },
        `partitions ${taken.join(",")} taken over from ${victimId}`,
        60_000,
        50,
      );
      const resumedSecs = await waitFor(
        async () =>
          (await count(db, phase2Ssh)) > storedAtKill ? (performance.now() - killedAt) / 1000 : null,
        "the new owner storing sshd lines",
        60_000,
        50,
      );
      console.log(
        `killed ${victimId} (partitions ${taken.join(",")}) after ${sentAtKill} requests, ${storedAtKill} phase 2 sshd lines stored, ${backlog} messages waiting in the sshd queue; all taken over in ${takeoverSecs.toFixed(2)} s (lease ${LEASE_SECS} s); sshd lines stored again ${resumedSecs.toFixed(2)} s after the kill`,
      );
      expect(takeoverSecs).toBeLessThan(3 * LEASE_SECS + 5);
      // The stream goes on past the takeover, so the new owner takes a backlog and then live traffic.
      const atTakeover = statuses.size;
      await waitFor(() => statuses.size >= atTakeover + 50, "50 more requests after the takeover", 60_000);
    } finally {
      stop = true;
      await Promise.all(senders);
    }

    const requests = [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([i, status]) => ({ i, status, lines: phaseTwoRequest(i) }));
    const acked = requests.filter((r) => r.status === 200);
    const refused = requests.filter((r) => r.status !== 200);
    const ackedLines = acked.flatMap((r) => r.lines);
    // Every acknowledged line there (distinct messages: a line stored twice must not stand in for one
    // missing), every queue drained, and then nothing more arriving.
    const phase1 = new Set(phaseOne().map((l) => l.message));
    await waitFor(
      async () =>
        (await count(db, "select count(distinct message) as n from logs")) >= phase1.size + ackedLines.length,
      `the cluster storing the ${ackedLines.length} acknowledged lines`,
      90_000,
      100,
    );
    await waitFor(
      async () => (await partitionQueueDepths(prefix, PARTITIONS)).every((d) => d === 0),
      "every partition queue drained",
      30_000,
      200,
    );
    let last = -1;
    let since = 0;
    await waitFor(
      async () => {
        const n = await count(db, "select count(*) as n from logs");
        if (n !== last) [last, since] = [n, Date.now()];
        return Date.now() - since >= 2_000;
      },
      "the cluster's logs staying unchanged for 2 s",
      30_000,
      250,
    );
    const final = await owners();
    expect([...final.values()].every((o) => o !== null && o !== victimId)).toBe(true);
    await entityFactsJudged(db);

    const stored = await storedMessages(db);
    const missing = ackedLines.filter((l) => stored.get(l.message) !== 1);
    expect(missing.map((l) => `${l.message}: ${stored.get(l.message) ?? 0}`)).toEqual([]);
    const doubled = [...stored].filter(([, n]) => n !== 1);
    expect(doubled).toEqual([]);
    const expectedMessages = new Set([...phase1, ...requests.flatMap((r) => r.lines.map((l) => l.message))]);
    expect([...stored.keys()].filter((m) => !expectedMessages.has(m))).toEqual([]);

    // The single node gets the acknowledged requests one after the other: each episode's in the order its
    // sender sent them to the cluster.
    for (const r of acked) expect(await post(baseline!.url, r.lines)).toBe(200);
    const episodesRefused = new Set(refused.map((r) => Math.floor(r.i / EPISODE_REQUESTS)));
    const inPhase2 = (key: string) => /^(ip:100\.|user:u\d+_)/.test(key);
    const episodeOf = (key: string): number => {
      const user = /^user:u(\d+)_/.exec(key);
      if (user) return Number(user[1]);
      const [, b, c] = /^ip:100\.(\d+)\.(\d+)\./.exec(key)!;
      return (Number(b) - 64) * 250 + Number(c);
    };
    const comparable = (f: { key: string }) => inPhase2(f.key) && !episodesRefused.has(episodeOf(f.key));
    const clusterBrute = (await findings(db, "brute_force")).filter(comparable);
    const singleBrute = (await findings(single!, "brute_force")).filter(comparable);
    const episodes = new Set(requests.map((r) => Math.floor(r.i / EPISODE_REQUESTS))).size;
    // One finding per address and per user of every whole episode, each raised once.
    expect(singleBrute.length).toBe((episodes - episodesRefused.size) * EPISODE_ATTACKERS * 2);
    expect(clusterBrute.every((f) => f.count === 1)).toBe(true);
    expect(clusterBrute).toEqual(singleBrute);
    // What the first test found is unchanged: in particular the tick's finding (job_999) was not raised
    // again by whichever node took the sessions' partition over, if the victim held it.
    expect(await findings(db, "sequence")).toEqual(await findings(single!, "sequence"));
    expect(await duplicateFindings(db)).toBe(0);
    const redelivered = survivors
      .map((n) => n.serve.stderr().split("redelivered hand-off was already committed").length - 1)
      .reduce((a, b) => a + b, 0);
    console.log(
      `phase 2: ${requests.length} requests (${refused.length} not acknowledged: ${JSON.stringify(refused.map((r) => r.status))}), ${ackedLines.length} acknowledged lines stored once each; ${clusterBrute.length} brute_force findings identical to the single node's; ${redelivered} redelivered hand-offs recognised as committed`,
    );
  }, 180_000);

  it("a finding a partition's tick stored is not raised again by the node that takes the partition over", async (ctx) => {
    if (!available) ctx.skip();
    const db = cluster!;
    // job_999 was closed by the tick in the first test (no line followed it); its partition has had no
    // line since. Its owner is killed; the one node left takes every partition over.
    const jobs = partitionOf({ resource: { "service.name": "batch" } }, PARTITIONS);
    const before = await owners();
    const victimId = before.get(jobs)!;
    const victim = nodes.find((n) => n.id === victimId)!;
    const last = nodes.find((n) => n.id !== victimId && !killed.has(n.id))!;
    expect(last).toBeDefined();
    const sessionCount = async (key: string) =>
      count(
        db,
        "select coalesce(sum(count), 0) as n from anomalies where agent_name = 'sequence' and key = $1",
        [key],
      );
    expect(await sessionCount("job_999")).toBe(1);

    const killedAt = performance.now();
    killed.add(victimId);
    expect(await victim.serve.stop("SIGKILL")).toBeNull();
    const takeoverSecs = await waitFor(
      async () => {
        const o = await owners();
        return [...o.values()].every((x) => x === last.id) ? (performance.now() - killedAt) / 1000 : null;
      },
      `${last.id} owning every partition`,
      60_000,
      50,
    );
    console.log(
      `killed ${victimId}; ${last.id} owned all ${PARTITIONS} partitions ${takeoverSecs.toFixed(2)} s later`,
    );
    expect(takeoverSecs).toBeLessThan(3 * LEASE_SECS + 5);

    // A new job, an hour of record time after job_999, closed in turn by the tick: by the time its
    // finding is stored, the new owner has had every chance to close job_999 again.
    const at = Date.parse(phaseOne().at(-1)!.timestamp) + 3_600_000;
    expect(
      await post(last.serve.url, [
        {
          timestamp: new Date(at).toISOString(),
          service: "batch",
          level: "info",
          message: "batch job job_1000 started by scheduler",
        },
      ]),
    ).toBe(200);
    await waitFor(
      async () => (await sessionCount("job_1000")) > 0,
      "the new owner closing job_1000 after its quiet",
      60_000,
      200,
    );
    expect(await sessionCount("job_999")).toBe(1);
    expect(await duplicateFindings(db)).toBe(0);
  }, 120_000);
});
