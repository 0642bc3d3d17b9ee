import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { partitionOf } from "../../src/distribution/partition-key.js";
import { logLines, type ServeProcess, startServe } from "../helpers/cli.js";
import { ClusterTestRun, clusterNodeEnv } from "../helpers/cluster-node-env.js";
import { rabbitmqAvailable } from "../helpers/rabbitmq.js";
import { createTestSchema, postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Issue 45 item 4 on a cluster node (`logwarden serve` with CLUSTER_PARTITIONS): a partition whose saved
 * state will not load (a row of an unknown version) stops that partition only. The node starts, owns and
 * feeds its other partition, stays healthy and keeps taking ingest, and names the failed partition in
 * /health, /metrics and its log.
 */

const TOKEN = "failed-partition-token-0123456789ab";
const test = new ClusterTestRun("fp", 2);
const { prefix, schema } = test;
let node: ServeProcess | undefined;
let db: pg.Client | undefined;

afterAll(async () => {
  await node?.stop("SIGKILL");
  await db?.end().catch(() => {});
  await test.cleanup();
});

/** The first `service-N` name whose records go to `partition` of 2. */
function serviceIn(partition: number): string {
  for (let i = 0; ; i++) {
    const service = `service-${i}`;
    if (partitionOf({ resource: { "service.name": service } }, 2) === partition) return service;
  }
}

async function owned(): Promise<number> {
  const { rows } = await db!.query(
    "select count(*) as n from cluster_partitions where owner = 'fp-1' and partition >= 0",
  );
  return Number(rows[0].n);
}

describe("a cluster node with a partition whose state will not load", () => {
  it("starts its other partition, stays healthy, takes ingest, and names the failed one", async (ctx) => {
    if (!(await postgresAvailable()) || !(await rabbitmqAvailable())) {
      console.warn(
        "[skip] cluster failed partition: needs PostgreSQL and RabbitMQ (TEST_DATABASE_URL, TEST_RABBITMQ_URL)",
      );
      return ctx.skip();
    }
    test.used = true;
    const url = await createTestSchema(schema);
    const env = clusterNodeEnv({
      databaseUrl: url.toString(),
      token: TOKEN,
      partitions: 2,
      nodeId: "fp-1",
      prefix,
    });
    // A first run migrates the schema and creates the partitions.
    node = await startServe(env, 60_000);
    db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await waitFor(async () => (await owned()) === 2, "the node owning both partitions", 20_000, 200);
    expect(await node.stop("SIGTERM")).toBe(0);

    // Partition 0's saved state, as a newer release (or a damaged row) would leave it.
    await db.query(
      `insert into partition_state (partition, value, batch_id, updated_at)
       values ('cluster/p0/shared', '{"version": 999}', 0, '2026-11-29T00:00:00Z')
       on conflict (partition) do update set value = excluded.value`,
    );

    node = await startServe(env, 60_000);
    await waitFor(async () => (await owned()) === 1, "the node owning partition 1", 20_000, 200);
    const health = await fetch(`${node.url}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as {
      status: string;
      cluster: { owned: number[]; failed: { partition: number; error: string; retry_at: string }[] };
    };
    expect(body.status).toBe("healthy");
    expect(body.cluster.owned).toEqual([1]);
    expect(body.cluster.failed).toHaveLength(1);
    expect(body.cluster.failed[0]).toMatchObject({ partition: 0 });
    expect(body.cluster.failed[0]!.error).toMatch(/unknown version/);
    expect(Number.isNaN(Date.parse(body.cluster.failed[0]!.retry_at))).toBe(false);

    const metrics = await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect((await metrics.text()).split("\n")).toContain("logwarden_cluster_partitions_failed 1");
    expect(
      logLines(node).find((l) => l.msg?.toString().startsWith("partition failed to start")),
    ).toMatchObject({
      partition: 0,
    });

    // Ingest goes on: a stream of partition 1 is stored.
    const service = serviceIn(1);
    const res = await fetch(`${node.url}/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify([
        { timestamp: "2026-11-29T12:00:00Z", service, level: "INFO", message: "beside a failed partition" },
      ]),
    });
    expect(res.status).toBe(200);
    await waitFor(
      async () =>
        Number(
          (await db!.query("select count(*) as n from logs where message = 'beside a failed partition'"))
            .rows[0].n,
        ) === 1,
      "the line of partition 1 stored",
      20_000,
      200,
    );
  }, 120_000);
});
