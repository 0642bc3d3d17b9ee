import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import { deletePartitionQueues, rabbitmqAvailable, TEST_RABBITMQ_URL } from "../helpers/rabbitmq.js";
import { createTestSchema, dropTestSchemas, postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Issue 45 item 5: a rolling restart of all three nodes of a cluster under load. Each node in turn is sent
 * SIGTERM (it stops taking ingest, drains, hands its partitions back saved), taken out of the clients'
 * rotation once it has exited (a load balancer that notices late) and started again. Two clients keep
 * posting keyed `/ingest` requests round-robin and send a failed one again, same key, to the next node.
 * Every acknowledged line is stored exactly once, and no request waits long for an answer.
 */

const PARTITIONS = 6;
const LINES_PER_REQUEST = 50;
const TOKEN = "rolling-restart-token-0123456789abcdef";
const run = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const prefix = `lw_rr_${run}.`;
const schema = `cluster_rolling_${run}`;
const marker = `rolling-${run}`;
const dirs: string[] = [];
const nodes = new Map<string, ServeProcess>();
let db: pg.Client | undefined;
let created = false;

afterAll(async () => {
  await Promise.all([...nodes.values()].map((n) => n.stop("SIGKILL")));
  await db?.end().catch(() => {});
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  if (created) {
    await dropTestSchemas(schema).catch(() => {});
    await deletePartitionQueues(prefix, PARTITIONS).catch(() => {});
  }
}, 60_000);

function requestBody(name: string, n: number) {
  return JSON.stringify(
    Array.from({ length: LINES_PER_REQUEST }, (_, i) => ({
      timestamp: new Date(Date.UTC(2026, 10, 29, 12, 0, 0, n * LINES_PER_REQUEST + i)).toISOString(),
      service: `svc-${(n + i) % 12}`,
      level: "INFO",
      message: `${marker} request ${name} line ${i}`,
    })),
  );
}

async function stored(): Promise<{ rows: number; distinct: number }> {
  const { rows } = await db!.query(
    "select count(*) as rows, count(distinct message) as distinct from logs where message like $1",
    [`${marker} %`],
  );
  return { rows: Number(rows[0].rows), distinct: Number(rows[0].distinct) };
}

describe("a rolling restart of every cluster node under load", () => {
  it("loses and doubles no acknowledged line, and keeps every request's wait short", async (ctx) => {
    if (!(await postgresAvailable()) || !(await rabbitmqAvailable())) {
      console.warn(
        "[skip] cluster rolling restart: needs PostgreSQL and RabbitMQ (TEST_DATABASE_URL, TEST_RABBITMQ_URL)",
      );
      return ctx.skip();
    }
    created = true;
    const url = (await createTestSchema(schema)).toString();
    const env = (id: string) => {
      const dir = mkdtempSync(join(tmpdir(), "logwarden-rolling-"));
      dirs.push(dir);
      return {
        DATABASE_URL: url,
        DATA_DIR: dir,
        API_TOKEN: TOKEN,
        CLUSTER_PARTITIONS: String(PARTITIONS),
        CLUSTER_LEASE_SECS: "3",
        CLUSTER_NODE_ID: id,
        CLUSTER_RABBITMQ_URL: TEST_RABBITMQ_URL,
        CLUSTER_QUEUE_PREFIX: prefix,
        // The check reads the `logs` table in PostgreSQL directly.
        LOG_STORE: "table",
        LOG_FORMAT: "json",
        TRIAGE_ENABLED: "false",
      };
    };
    const ids = ["rr-a", "rr-b", "rr-c"];
    const started = await Promise.all(ids.map((id) => startServe(env(id), 90_000)));
    for (const [i, id] of ids.entries()) nodes.set(id, started[i]!);
    db = new pg.Client({ connectionString: url });
    await db.connect();
    await waitFor(
      async () =>
        Number(
          (await db!.query("select count(*) as n from cluster_partitions where owner is not null")).rows[0].n,
        ) === PARTITIONS,
      "every partition owned",
      30_000,
      200,
    );

    // Two clients: the nodes in rotation, round-robin; a failed request sent again, same key, to the next.
    const rotation = new Set(ids);
    let turn = 0;
    let sending = true;
    let acked = 0;
    let attempts = 0;
    let longestWaitMs = 0;
    const client = async (name: string) => {
      for (let n = 0; sending; n++) {
        const key = `${marker}-${name}-${n}`;
        const body = requestBody(`${name} ${n}`, n);
        const since = Date.now();
        for (;;) {
          const inRotation = ids.filter((id) => rotation.has(id));
          const node = nodes.get(inRotation[turn++ % inRotation.length]!)!;
          attempts++;
          const status = await fetch(`${node.url}/ingest`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${TOKEN}`,
              "content-type": "application/json",
              "idempotency-key": key,
            },
            body,
          }).then(
            async (res) => {
              await res.arrayBuffer();
              return res.status;
            },
            () => 0,
          );
          if (status === 200) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        longestWaitMs = Math.max(longestWaitMs, Date.now() - since);
        acked += LINES_PER_REQUEST;
      }
    };
    const clients = Promise.all([client("one"), client("two")]);

    await waitFor(() => acked >= 1_000, "load under way", 30_000, 100);
    for (const id of ids) {
      // Still in rotation while it stops (a load balancer notices late): its refusals and cut
      // connections are sent again to the next node.
      expect(await nodes.get(id)!.stop("SIGTERM")).toBe(0);
      rotation.delete(id);
      nodes.set(id, await startServe(env(id), 90_000));
      rotation.add(id);
      const before = acked;
      await waitFor(() => acked >= before + 500, `load going on after ${id} restarted`, 30_000, 100);
    }
    sending = false;
    await clients;

    await waitFor(
      async () => ((await stored()).distinct === acked ? true : null),
      `all ${acked} acknowledged lines stored`,
      60_000,
      250,
    );
    // Settled: nothing in flight that could still add a copy.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await stored()).toEqual({ rows: acked, distinct: acked });
    console.log(
      `rolling restart: ${acked} lines acknowledged in ${attempts} attempts; the longest wait for an answer ${longestWaitMs} ms`,
    );
    expect(longestWaitMs).toBeLessThan(20_000);
  }, 300_000);
});
