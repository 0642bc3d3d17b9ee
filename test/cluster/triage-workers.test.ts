import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, type ServeProcess, serveEntry, startServe } from "../helpers/cli.js";
import { deleteTriageQueues, rabbitmqAvailable, TEST_RABBITMQ_URL } from "../helpers/rabbitmq.js";
import { createTestSchema, dropTestSchemas, postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

const ALERTS = 10_000;
const POST_SIZE = 1_000;
const ATTACKERS = 40;
const TOKEN = "cluster-test-token-0123456789abcdef";

interface Worker {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `logwarden worker triage` and waits for its "triage worker consuming" line. */
function startWorker(env: Record<string, string>): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...serveEntry(), "worker", "triage"], {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${stderr}`)), 60_000);
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes("triage worker consuming")) {
        clearTimeout(timer);
        resolve({ child, stderr: () => stderr, exited });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before consuming:\n${stderr}`));
    });
  });
}

/** Alerts from a few public addresses, so many alerts share an incident across nodes at once. */
function alert(i: number) {
  const attacker = i % ATTACKERS;
  return {
    alert_id: `cluster-${i}`,
    source_ip: `45.33.${attacker}.${10 + (attacker % 200)}`,
    severity: "high",
    rule_name: i % 2 === 0 ? "SSH brute force" : "Port scan",
    user_id: `u-${i % 7}`,
  };
}

let serve: ServeProcess | undefined;
const workers: Worker[] = [];
let schema = "";
let dataDir = "";
let prefix = "";
let client: pg.Client | undefined;

afterAll(async () => {
  for (const w of workers) w.child.kill("SIGKILL");
  await serve?.stop("SIGKILL");
  await client?.end();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (schema) await dropTestSchemas(schema);
  if (prefix) {
    await deleteTriageQueues(prefix);
  }
});

describe("triage workers on PostgreSQL and RabbitMQ", () => {
  it("triages 10,000 alerts exactly once on three workers and a serve node while a worker is killed", async (ctx) => {
    if (!(await postgresAvailable()) || !(await rabbitmqAvailable())) ctx.skip();
    schema = `cluster_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    prefix = `${schema}.`;
    const url = (await createTestSchema(schema)).toString();
    dataDir = mkdtempSync(join(tmpdir(), "logwarden-cluster-"));
    const env = {
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      TRIAGE_TRANSPORT: "rabbitmq",
      TRIAGE_RABBITMQ_URL: TEST_RABBITMQ_URL,
      TRIAGE_QUEUE_PREFIX: prefix,
      // Small batches: more hand-offs between nodes, and a kill lands between them.
      TRIAGE_BATCH_SIZE: "100",
      API_TOKEN: TOKEN,
    };
    // All four start at once on an empty schema: migrations run once (an advisory lock) whoever is first.
    const started = await Promise.all([
      startServe(env, 60_000),
      startWorker(env),
      startWorker(env),
      startWorker(env),
    ]);
    serve = started[0];
    workers.push(...(started.slice(1) as Worker[]));
    client = new pg.Client({ connectionString: url });
    await client.connect();
    const db = client;
    const count = async (query: string) => Number((await db.query(query)).rows[0].n);

    const post = async (from: number) => {
      const body = Array.from({ length: POST_SIZE }, (_, j) => alert(from + j));
      const res = await fetch(`${serve!.url}/api/v1/alerts`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(202);
      expect(((await res.json()) as { accepted: number }).accepted).toBe(POST_SIZE);
    };
    for (let i = 0; i < ALERTS / 2; i += POST_SIZE) await post(i);
    // Killed while the stream is flowing: it holds unacknowledged batches of every stage.
    await waitFor(
      async () => (await count("select count(*) as n from alerts where status = 'triaged'")) >= 1_000,
      "the first alerts triaged",
      60_000,
    );
    const victim = workers[0]!;
    expect(victim.stderr()).toContain("Processing message");
    victim.child.kill("SIGKILL");
    expect(await victim.exited).toBeNull();
    for (let i = ALERTS / 2; i < ALERTS; i += POST_SIZE) await post(i);

    await waitFor(
      async () => (await count("select count(*) as n from alerts where status = 'triaged'")) === ALERTS,
      "every alert triaged",
      180_000,
      250,
    );
    expect(await count("select count(*) as n from alerts")).toBe(ALERTS);
    expect(await count("select count(*) as n from triage_results")).toBe(ALERTS);
    expect(
      await count(
        "select count(*) as n from alerts a left join triage_results t on t.alert_id = a.alert_id where t.alert_id is null",
      ),
    ).toBe(0);

    // One incident per attacker, each alert in exactly one incident's list, and the alert pointing at it.
    const incidents = (await db.query("select id, entity, alert_ids from incidents")).rows as {
      id: number;
      entity: string;
      alert_ids: string | string[];
    }[];
    expect(incidents.length).toBe(ATTACKERS);
    expect(new Set(incidents.map((i) => i.entity)).size).toBe(ATTACKERS);
    const member = new Map<string, number>();
    let listed = 0;
    for (const inc of incidents) {
      const ids = typeof inc.alert_ids === "string" ? JSON.parse(inc.alert_ids) : inc.alert_ids;
      for (const id of ids as string[]) {
        listed++;
        member.set(id, Number(inc.id));
      }
    }
    expect(listed).toBe(ALERTS);
    expect(member.size).toBe(ALERTS);
    const pointers = (await db.query("select alert_id, incident_id from alerts")).rows as {
      alert_id: string;
      incident_id: number | null;
    }[];
    expect(pointers.filter((p) => member.get(p.alert_id) !== Number(p.incident_id))).toEqual([]);
    expect(
      await count(
        "select count(*) as n from (select 1 from remediation_actions group by incident_id, action, target having count(*) > 1) d",
      ),
    ).toBe(0);
    // Enrichment redelivered to another node replaced its rows rather than adding a second set.
    expect(
      await count(
        "select count(*) as n from (select 1 from alert_context group by alert_id, context_type having count(*) > 1) d",
      ),
    ).toBe(0);
  }, 360_000);
});
