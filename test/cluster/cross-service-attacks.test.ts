import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectorNamesAcrossStreams } from "../../src/detectors/registry.js";
import { partitionOf } from "../../src/distribution/partition-key.js";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import { ClusterTestRun, clusterNodeEnv, postIngest } from "../helpers/cluster-node-env.js";
import { rabbitmqAvailable } from "../helpers/rabbitmq.js";
import { createTestSchema, dropTestSchemas, postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Issue 45 item 3: an attack spread over services whose streams hash to different partitions, sent
 * round-robin to three `logwarden serve` cluster nodes, gives exactly the findings a single node gives for
 * the same lines. No service alone sees enough of it: 4 failures for `admin` on each (the brute-force
 * threshold is 10), 4 sprayed users on each (the spraying threshold is 10 users). Only the detectors that
 * judge users and addresses across every stream (the entity owner, src/distribution/entity-owner.ts) can.
 */

const PARTITIONS = 8;
const TOKEN = "cross-service-token-0123456789abcdef";
const SERVICES = ["sshd", "dovecot", "vsftpd"] as const;
const NODE_IDS = ["xs-1", "xs-2", "xs-3"];
const BRUTE = "203.0.113.50";
const SPRAY = "198.51.100.77";
/** Record time: an hour ago, the same strings for the cluster and the single node. */
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
/** The detectors the entity owner runs; their findings must match the single node's row for row. */
const ENTITY_DETECTORS = detectorNamesAcrossStreams();
/** Sessions on every node, keyed by a job id that a job's lines carry in three services' logs. */
const SESSIONS = {
  SEQUENCE_ENABLED: "true",
  SEQUENCE_SESSION_KEY: "regex:job=(J\\d+)",
  SEQUENCE_WARMUP_SESSIONS: "12",
  SEQUENCE_IDLE_TIMEOUT_SECS: "30",
};
const JOB_SERVICES = ["scheduler", "worker", "storage"] as const;

interface Line {
  timestamp: string;
  service: string;
  level: string;
  message: string;
  /** The machine that wrote it (`metadata.host` becomes the record's host). */
  metadata?: { host: string };
}

const run = new ClusterTestRun("xs", PARTITIONS);
const singleSchema = `cluster_xs_single_${run.run}`;
const dirs: string[] = [];
const nodes: ServeProcess[] = [];
let single: ServeProcess | undefined;
let clusterDb: pg.Client | undefined;
let singleDb: pg.Client | undefined;
let available = false;

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "logwarden-xs-"));
  dirs.push(dir);
  return dir;
}

/** One failed login of `user` from `ip` on `service`, as that service writes it; `n` makes it unique. */
function failure(service: (typeof SERVICES)[number], user: string, ip: string, n: number): string {
  if (service === "sshd") return `Failed password for ${user} from ${ip} port ${40_000 + n} ssh2`;
  if (service === "dovecot")
    return `imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<${user}>, method=PLAIN, rip=${ip}, lip=10.0.0.5, TLS, session=<s${n}>`;
  return `[${user}] FAIL LOGIN: Client "${ip}"`;
}

interface Attack {
  /** The brute force's address and user, the spray's address and its users' prefix. */
  brute: string;
  user: string;
  spray: string;
  sprayed: string;
  /** Record time of its first line, seconds after BASE_MS. */
  startSecs: number;
}

const FIRST: Attack = { brute: BRUTE, user: "admin", spray: SPRAY, sprayed: "staff", startSecs: 0 };
/** After the entity owner's holder is killed: other addresses and users, two hours of record time later. */
const SECOND: Attack = {
  brute: "203.0.113.60",
  user: "oracle",
  spray: "198.51.100.88",
  sprayed: "ops",
  startSecs: 7_200,
};

/**
 * The attack, in record-time order: a brute force on one user from one address, 4 failures on each
 * service, then its success over sshd; a spray from another address, one failure for each of 12 users,
 * 4 users a service; and ordinary lines of two other services between them.
 */
function attackLines(a: Attack): Line[] {
  const lines: Line[] = [];
  let t = a.startSecs;
  const at = () => {
    t += 7;
    return new Date(BASE_MS + t * 1000).toISOString();
  };
  for (let k = 0; k < 12; k++) {
    const service = SERVICES[k % 3]!;
    const other = SERVICES[(k + 1) % 3]!;
    lines.push({ timestamp: at(), service, level: "warn", message: failure(service, a.user, a.brute, k) });
    lines.push({
      timestamp: at(),
      service: other,
      level: "warn",
      message: failure(other, `${a.sprayed}${k}`, a.spray, 100 + k),
    });
    lines.push({
      timestamp: at(),
      service: k % 2 ? "web" : "postgres",
      level: "info",
      message:
        k % 2 ? `GET /api/items/${a.startSecs + k} 200 12ms` : `checkpoint complete seq=${a.startSecs + k}`,
    });
  }
  lines.push({
    timestamp: at(),
    service: "sshd",
    level: "info",
    message: `Accepted password for ${a.user} from ${a.brute} port 41999 ssh2`,
  });
  return lines;
}

/**
 * Jobs whose lines three services write (queued by the scheduler, started and finished by a worker, its
 * blocks written by storage), in blocks of four jobs two minutes of record time apart, as requests of one
 * service's lines each: one partition's commit, so the entity owner judges a request's facts in one round.
 * `odd` jobs log a checksum mismatch instead of their blocks written.
 */
function jobRequests(firstJob: number, blocks: number, odd: ReadonlySet<number>): Line[][] {
  const requests: Line[][] = [];
  const base = 14_400;
  for (let b = 0; b < blocks; b++) {
    const jobs = [0, 1, 2, 3].map((k) => firstJob + b * 4 + k);
    const at = (secs: number) => new Date(BASE_MS + (base + b * 120 + secs) * 1000).toISOString();
    const step = (service: string, offset: number, message: (job: number) => string): Line[] =>
      jobs.map((job, k) => ({ timestamp: at(offset + k), service, level: "info", message: message(job) }));
    requests.push(step("scheduler", 0, (j) => `job=J${j} queued for tenant t${j % 3}`));
    requests.push(step("worker", 5, (j) => `job=J${j} started on worker-${j % 4}`));
    requests.push(
      step("storage", 10, (j) =>
        odd.has(j)
          ? `job=J${j} checksum mismatch on block ${j % 7}`
          : `job=J${j} wrote ${(j * 3) % 50} blocks`,
      ),
    );
    requests.push(step("worker", 15, (j) => `job=J${j} finished in ${(j % 9) + 1} s`));
  }
  return requests;
}

/**
 * A deauthentication burst on one access point: 4 stations kicked 3 times each within two minutes, the
 * drops logged alternately by hostapd and by the kernel's mac80211 (streams in two partitions), 6 each,
 * under the burst bar of 10. One request a line, so the entity owner takes them in order.
 */
function wifiRequests(): Line[][] {
  return Array.from({ length: 12 }, (_, k) => {
    const station = `02:00:5e:00:00:0${k % 4}`;
    const timestamp = new Date(BASE_MS + (21_600 + k * 8) * 1000).toISOString();
    const metadata = { host: "ap-7" };
    return [
      k % 2 === 0
        ? {
            timestamp,
            service: "hostapd",
            level: "info",
            message: `wlan0: STA ${station} IEEE 802.11: deauthenticated due to local deauth request`,
            metadata,
          }
        : {
            timestamp,
            service: "kernel",
            level: "info",
            message: `wlan0: deauthenticated from ${station} (Reason: 7=CLASS3_FRAME_FROM_NONASSOC_STA)`,
            metadata,
          },
    ];
  });
}

/**
 * The lines as requests holding one service's authentication lines each (and ordinary ones): the
 * partitions of one request commit in any order, and which failure is the tenth (the finding's
 * evidence) depends on the order. Across requests, `sendJudged` keeps it.
 */
function requestsOf(lines: readonly Line[]): Line[][] {
  const requests: Line[][] = [];
  const auth = (l: Line) => (SERVICES as readonly string[]).includes(l.service);
  for (const line of lines) {
    const last = requests.at(-1);
    const mixes = last?.some((l) => auth(l) && auth(line) && l.service !== line.service);
    if (!last || mixes || last.length >= 4) requests.push([line]);
    else last.push(line);
  }
  return requests;
}

/**
 * Sends each request round-robin to `targets`, waits until the cluster stored it and judged every fact
 * passed on (the single node judges them in this order too), then sends it to the single node.
 */
async function sendJudged(targets: readonly ServeProcess[], requests: readonly Line[][]): Promise<void> {
  const db = clusterDb!;
  let stored = await count(db, "select count(*) as n from logs");
  for (const [i, body] of requests.entries()) {
    expect(await post(targets[i % targets.length]!.url, body)).toBe(200);
    stored += body.length;
    await waitFor(
      async () =>
        (await count(db, "select count(*) as n from logs")) >= stored &&
        (await count(db, "select count(*) as n from cluster_entity_outbox")) === 0,
      `the cluster storing and judging request ${i + 1}`,
      30_000,
      50,
    );
    expect(await post(single!.url, body)).toBe(200);
  }
}

const post = (url: string, lines: readonly Line[]) => postIngest(url, TOKEN, lines);

async function count(db: pg.Client, query: string): Promise<number> {
  return Number((await db.query(query)).rows[0].n);
}

/** Each entity detector's findings, comparable across stores: evidence as the lines' messages. */
async function findings(db: pg.Client) {
  const { rows } = await db.query(
    `select agent_name, key, count, severity, description, features, evidence from anomalies
     where agent_name = any($1::text[]) order by agent_name, key, timestamp`,
    [ENTITY_DETECTORS],
  );
  const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
  const ids = rows.flatMap((r: { evidence: unknown }) => (json(r.evidence) as number[]).map(Number));
  const { rows: logs } = await db.query("select id, message from logs where id = any($1::bigint[])", [ids]);
  const byId = new Map(logs.map((l: { id: string; message: string }) => [Number(l.id), l.message]));
  return rows.map((r: Record<string, unknown>) => ({
    detector: r.agent_name,
    key: r.key,
    count: Number(r.count),
    severity: r.severity,
    description: r.description,
    features: json(r.features),
    evidence: (json(r.evidence) as number[]).map((id) => byId.get(Number(id)) ?? `missing log ${id}`),
  }));
}

beforeAll(async () => {
  available = (await postgresAvailable()) && (await rabbitmqAvailable());
  if (!available) return;
  run.used = true;
  const clusterUrl = (await createTestSchema(run.schema)).toString();
  const singleUrl = (await createTestSchema(singleSchema)).toString();
  const started = await Promise.all([
    ...NODE_IDS.map((nodeId) =>
      startServe(
        {
          ...SESSIONS,
          ...clusterNodeEnv({
            databaseUrl: clusterUrl,
            token: TOKEN,
            partitions: PARTITIONS,
            nodeId,
            prefix: run.prefix,
            dataDir: dataDir(),
          }),
        },
        90_000,
      ),
    ),
    startServe(
      {
        DATABASE_URL: singleUrl,
        DATA_DIR: dataDir(),
        API_TOKEN: TOKEN,
        LOG_STORE: "table",
        LOG_FORMAT: "json",
        TRIAGE_ENABLED: "false",
        ...SESSIONS,
      },
      90_000,
    ),
  ]);
  nodes.push(...started.slice(0, 3));
  single = started[3];
  clusterDb = new pg.Client({ connectionString: clusterUrl });
  await clusterDb.connect();
  singleDb = new pg.Client({ connectionString: singleUrl });
  await singleDb.connect();
}, 120_000);

afterAll(async () => {
  await Promise.all([...nodes.map((n) => n.stop("SIGKILL")), single?.stop("SIGKILL")]);
  await clusterDb?.end().catch(() => {});
  await singleDb?.end().catch(() => {});
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await run.cleanup();
  if (available) await dropTestSchemas(singleSchema).catch(() => {});
}, 60_000);

describe("an attack spread over services in different partitions (three cluster nodes)", () => {
  it("is judged as one: the cluster's brute-force, spraying and success-after-failures findings equal a single node's", async (ctx) => {
    if (!available) return ctx.skip();
    const partitions = SERVICES.map((s) => partitionOf({ resource: { "service.name": s } }, PARTITIONS));
    // The services' streams are in three partitions: no partition's detectors see more than a third.
    expect(new Set(partitions).size).toBe(SERVICES.length);
    const db = clusterDb!;
    await waitFor(
      async () =>
        (await count(
          db,
          "select count(*) as n from cluster_partitions where owner is not null and partition >= 0",
        )) === PARTITIONS &&
        (await count(
          db,
          "select count(*) as n from cluster_partitions where owner is not null and partition < 0",
        )) === 1,
      "every partition and the entity owner's lease held",
      60_000,
      100,
    );

    const lines = attackLines(FIRST);
    const requests = requestsOf(lines);
    await sendJudged(nodes, requests);

    const mine = await findings(db);
    const reference = await findings(singleDb!);
    console.log(
      `cross-service attack: ${lines.length} lines in ${requests.length} requests over 3 nodes; findings ${mine
        .map((f) => `${f.detector}/${f.key}×${f.count}`)
        .join(", ")}`,
    );
    const keys = reference.map((f) => `${f.detector}/${f.key}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        `brute_force/ip:${BRUTE}`,
        "brute_force/user:admin",
        `password_spraying/ip:${SPRAY}`,
        `success_after_failures/user:admin`,
      ]),
    );
    const spray = reference.find((f) => f.key === `ip:${SPRAY}`)!;
    for (const s of SERVICES) expect(spray.description).toContain(s);
    expect(mine).toEqual(reference);
    // One node holds the entity lease, says so in /health and /metrics, and counts what it judged: every
    // authentication line (24 failures and a success), none waiting.
    const health = await Promise.all(
      nodes.map(
        async (n) =>
          ((await (await fetch(`${n.url}/health`)).json()) as { cluster: { entities: boolean } }).cluster
            .entities,
      ),
    );
    expect(health.filter(Boolean)).toHaveLength(1);
    const metric = async (n: ServeProcess, name: string) => {
      const text = await (
        await fetch(`${n.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).text();
      return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
    };
    const owner = nodes[health.indexOf(true)]!;
    expect(await metric(owner, "logwarden_cluster_entity_owner")).toBe(1);
    expect(await metric(owner, "logwarden_cluster_entity_facts_judged_total")).toBe(25);
    expect(await metric(owner, "logwarden_cluster_entity_facts_waiting")).toBe(0);
  }, 180_000);

  it("judges a session whose lines three services in three partitions write as one, as a single node does", async (ctx) => {
    if (!available) return ctx.skip();
    const partitions = JOB_SERVICES.map((s) => partitionOf({ resource: { "service.name": s } }, PARTITIONS));
    expect(new Set(partitions).size).toBe(JOB_SERVICES.length);
    // 12 jobs to learn from, 8 judged normal, then 4 of which one goes wrong, and 4 more that close them.
    await sendJudged(nodes, jobRequests(1, 7, new Set([23])));
    const sessions = async (db: pg.Client) => (await findings(db)).filter((f) => f.detector === "sequence");
    const mine = await sessions(clusterDb!);
    const reference = await sessions(singleDb!);
    console.log(`sessions over three partitions; findings ${mine.map((f) => f.description).join(" | ")}`);
    // The odd job, and only it, is reported, with its lines from all three services.
    expect(reference.map((f) => f.key)).toEqual(["J23"]);
    expect(reference.find((f) => f.key === "J23")!.evidence).toEqual(
      expect.arrayContaining([
        "job=J23 queued for tenant t2",
        "job=J23 checksum mismatch on block 2",
        "job=J23 finished in 6 s",
      ]),
    );
    expect(mine).toEqual(reference);
  }, 180_000);

  it("judges an access point whose WiFi lines two services in two partitions write as one device", async (ctx) => {
    if (!available) return ctx.skip();
    const partitions = ["hostapd", "kernel"].map((s) =>
      partitionOf({ resource: { "service.name": s } }, PARTITIONS),
    );
    expect(new Set(partitions).size).toBe(2);
    await sendJudged(nodes, wifiRequests());
    const wifi = async (db: pg.Client) => (await findings(db)).filter((f) => f.detector === "wifi");
    const mine = await wifi(clusterDb!);
    const reference = await wifi(singleDb!);
    console.log(`WiFi over two partitions; findings ${mine.map((f) => f.description).join(" | ")}`);
    expect(reference).toHaveLength(1);
    expect(reference[0]!.key).toContain("ap-7");
    expect(mine).toEqual(reference);
  }, 120_000);

  it("goes on exactly once the node holding the entity lease is killed: the next holder judges what it left", async (ctx) => {
    if (!available) return ctx.skip();
    const db = clusterDb!;
    const holder = (await db.query("select owner from cluster_partitions where partition < 0")).rows[0]
      .owner as string;
    const victim = nodes[NODE_IDS.indexOf(holder)]!;
    const survivors = nodes.filter((n) => n !== victim);
    const requests = requestsOf(attackLines(SECOND));
    // The first request's facts reach the outbox after its answer; the holder dies before (or while) it
    // judges them, and whatever it did not commit is judged by the next holder, once.
    const stored = (await count(db, "select count(*) as n from logs")) + requests[0]!.length;
    expect(await post(survivors[0]!.url, requests[0]!)).toBe(200);
    expect(await victim.stop("SIGKILL")).toBeNull();
    await waitFor(
      async () =>
        (await count(db, "select count(*) as n from cluster_entity_outbox")) === 0 &&
        (await count(
          db,
          "select count(*) as n from cluster_partitions where partition < 0 and owner is not null and lease_until > 0",
        )) === 1 &&
        (await db.query("select owner from cluster_partitions where partition < 0")).rows[0].owner !==
          holder &&
        (await count(db, "select count(*) as n from logs")) >= stored,
      "another node holding the entity lease and judging what was left",
      60_000,
      100,
    );
    expect(await post(single!.url, requests[0]!)).toBe(200);
    await sendJudged(survivors, requests.slice(1));
    const mine = await findings(db);
    const reference = await findings(singleDb!);
    console.log(
      `entity owner ${holder} killed; findings ${mine.map((f) => `${f.detector}/${f.key}×${f.count}`).join(", ")}`,
    );
    expect(reference.map((f) => `${f.detector}/${f.key}`)).toEqual(
      expect.arrayContaining([`brute_force/ip:${SECOND.brute}`, `password_spraying/ip:${SECOND.spray}`]),
    );
    expect(mine).toEqual(reference);
  }, 180_000);
});
