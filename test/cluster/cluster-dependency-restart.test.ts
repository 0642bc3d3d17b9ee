import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import {
  brokerControl,
  deletePartitionQueues,
  rabbitmqAvailable,
  TEST_RABBITMQ_URL,
} from "../helpers/rabbitmq.js";
import { createTestSchema, dropTestSchemas, postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "cluster-restart-token-0123456789abcdef";
const PARTITIONS = 4;
const BATCH = 20;

/** `pg_ctlcluster` on this machine's PostgreSQL (the one `.ci/run` starts), or null where it cannot be driven. */
function postgresControl(): ((command: "stop" | "start") => void) | null {
  try {
    const version = readdirSync("/etc/postgresql")
      .sort((a, b) => Number(a) - Number(b))
      .at(-1);
    if (!version) throw new Error("no cluster under /etc/postgresql");
    execFileSync("pg_ctlcluster", [version, "main", "status"], { stdio: "ignore", timeout: 30_000 });
    return (command) =>
      execFileSync(
        "pg_ctlcluster",
        [version, "main", command, ...(command === "stop" ? ["-m", "fast"] : [])],
        {
          stdio: "ignore",
          timeout: 60_000,
        },
      );
  } catch (error) {
    if (process.env.CI)
      throw new Error(`CI must be able to restart PostgreSQL with pg_ctlcluster: ${String(error)}`);
    console.warn("[skip] cluster dependency restarts: pg_ctlcluster cannot drive the local PostgreSQL");
    return null;
  }
}

const nodes: ServeProcess[] = [];
let schema = "";
let prefix = "";
let restartPostgres: ((command: "stop" | "start") => void) | null = null;
let restartBroker: ((command: "stop_app" | "start_app") => void) | null = null;

afterAll(async () => {
  // Whatever failed, the servers go back up for the tests after this one.
  try {
    restartBroker?.("start_app");
  } catch {}
  try {
    restartPostgres?.("start");
  } catch {}
  for (const n of nodes) await n.stop("SIGKILL");
  if (schema) {
    await waitFor(() => postgresAvailable(), "PostgreSQL back", 60_000, 500).catch(() => {});
    await dropTestSchemas(schema);
  }
  if (prefix) await deletePartitionQueues(prefix, PARTITIONS).catch(() => {});
});

describe("a cluster while RabbitMQ, then PostgreSQL, restarts", () => {
  it("answers 503 with Retry-After while either is down, resumes by itself and stores every acknowledged line once", async (ctx) => {
    if (!(await postgresAvailable()) || !(await rabbitmqAvailable())) return ctx.skip();
    restartBroker = brokerControl("cluster dependency restarts");
    restartPostgres = postgresControl();
    if (!restartBroker || !restartPostgres) return ctx.skip();
    schema = `cluster_restart_${process.pid}`;
    prefix = `restart-${process.pid}-${Date.now()}.`;
    const url = await createTestSchema(schema);
    const env = {
      DATABASE_URL: url.toString(),
      API_TOKEN: TOKEN,
      CLUSTER_PARTITIONS: String(PARTITIONS),
      CLUSTER_LEASE_SECS: "3",
      // The check counts rows of the `logs` table in PostgreSQL directly.
      LOG_STORE: "table",
      CLUSTER_RABBITMQ_URL: TEST_RABBITMQ_URL,
      CLUSTER_QUEUE_PREFIX: prefix,
      TRIAGE_ENABLED: "false",
    };
    for (const id of ["r1", "r2"]) nodes.push(await startServe({ ...env, CLUSTER_NODE_ID: id }, 60_000));

    const acked = new Set<string>();
    let next = 0;
    let refusals = 0;
    let refusalsWithoutRetryAfter = 0;
    const unexpected: string[] = [];
    let turn = 0;
    const send = async (): Promise<number> => {
      const node = nodes[turn++ % nodes.length]!;
      const ids = Array.from({ length: BATCH }, () => `line-${next++}`);
      const body = ids.map((id, i) => ({
        timestamp: new Date(Date.UTC(2026, 10, 25, 10) + next * 1000 + i).toISOString(),
        service: `svc-${next % 7}`,
        level: "INFO",
        message: `request ${id} served`,
      }));
      try {
        const res = await fetch(`${node.url}/ingest`, {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        if (res.status === 200) for (const id of ids) acked.add(id);
        else if (res.status === 503) {
          refusals++;
          if (!/^\d+$/.test(res.headers.get("retry-after") ?? "")) refusalsWithoutRetryAfter++;
          if (/at .*\.js:\d+/.test(text)) unexpected.push(`stack trace in a 503: ${text}`);
        } else unexpected.push(`${res.status} ${text.slice(0, 200)}`);
        return res.status;
      } catch (error) {
        unexpected.push(`no answer from ${node.port}: ${String(error)} (${String((error as Error).cause)})`);
        return 0;
      }
    };
    let sending = true;
    const statuses: number[] = [];
    const sender = (async () => {
      while (sending) {
        statuses.push(await send());
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const sawStatus = (status: number, from: number) => statuses.slice(from).includes(status);

    await waitFor(() => acked.size >= 200, "ingest flowing", 30_000, 100);
    let mark = statuses.length;
    restartBroker("stop_app");
    await waitFor(() => sawStatus(503, mark), "503 while RabbitMQ is down", 30_000, 100);
    restartBroker("start_app");
    mark = statuses.length;
    await waitFor(() => sawStatus(200, mark), "ingest resuming after RabbitMQ", 120_000, 250);
    const afterBroker = acked.size;

    mark = statuses.length;
    restartPostgres("stop");
    await waitFor(() => sawStatus(503, mark), "503 while PostgreSQL is down", 60_000, 100);
    await new Promise((r) => setTimeout(r, 2_000));
    restartPostgres("start");
    mark = statuses.length;
    await waitFor(() => sawStatus(200, mark), "ingest resuming after PostgreSQL", 120_000, 250);
    await waitFor(
      () => acked.size >= afterBroker + 200,
      "lines acknowledged after both restarts",
      60_000,
      100,
    );
    sending = false;
    await sender;

    // A request with no answer means a node stopped listening: its exit code and last log lines say why.
    const gone = nodes
      .filter((n) => n.child.exitCode !== null || n.child.signalCode !== null)
      .map(
        (n) =>
          `node on ${n.port} exited (${n.child.exitCode ?? n.child.signalCode}):\n${n.stderr().slice(-4000)}`,
      );
    expect({ unexpected, gone }).toEqual({ unexpected: [], gone: [] });
    expect(refusals).toBeGreaterThan(0);
    expect(refusalsWithoutRetryAfter).toBe(0);
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const stored = async () =>
        (
          await client.query<{ id: string; n: string }>(
            `select substring(message from 'request (line-[0-9]+) served') as id, count(*) as n from logs group by 1`,
          )
        ).rows;
      await waitFor(
        async () => (await stored()).filter((r) => acked.has(r.id)).length === acked.size,
        "every acknowledged line stored",
        120_000,
        500,
      );
      const rows = await stored();
      const missing = [...acked].filter((id) => !rows.some((r) => r.id === id));
      const doubled = rows.filter((r) => Number(r.n) > 1);
      console.log(
        `cluster restarts: ${acked.size} lines acknowledged, ${refusals} refusals (503 + Retry-After), ${missing.length} missing, ${doubled.length} stored twice`,
      );
      expect(missing).toEqual([]);
      expect(doubled).toEqual([]);
    } finally {
      await client.end();
    }
  }, 420_000);
});
