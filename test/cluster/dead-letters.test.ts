import { randomUUID } from "node:crypto";
import amqp from "amqplib";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { logLines, type ServeProcess, startServe } from "../helpers/cli.js";
import { ClusterTestRun, clusterNodeEnv } from "../helpers/cluster-node-env.js";
import { rabbitmqAvailable, TEST_RABBITMQ_URL } from "../helpers/rabbitmq.js";
import { createTestSchema, postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Issue 45 item 4 on a cluster node (`logwarden serve` with CLUSTER_PARTITIONS): a message in a partition
 * queue that is not a Logwarden hand-off goes to the deployment's dead-letter queue, with its bytes and
 * headers saying why, is counted in /metrics and logged, and the partition goes on with the next hand-off.
 */

const TOKEN = "dead-letter-token-0123456789abcdef";
const test = new ClusterTestRun("dl", 1);
const { prefix, schema } = test;
let node: ServeProcess | undefined;
let db: pg.Client | undefined;

afterAll(async () => {
  await node?.stop("SIGKILL");
  await db?.end().catch(() => {});
  await test.cleanup();
});

async function metric(name: string): Promise<string[]> {
  const res = await fetch(`${node!.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.text()).split("\n").filter((l) => l.startsWith(name));
}

describe("a cluster node given a message that is not a hand-off", () => {
  it("dead-letters it with its reason, counts it, and stores the next hand-off", async (ctx) => {
    if (!(await postgresAvailable()) || !(await rabbitmqAvailable())) {
      console.warn(
        "[skip] cluster dead letters: needs PostgreSQL and RabbitMQ (TEST_DATABASE_URL, TEST_RABBITMQ_URL)",
      );
      return ctx.skip();
    }
    test.used = true;
    const url = await createTestSchema(schema);
    node = await startServe(
      clusterNodeEnv({ databaseUrl: url.toString(), token: TOKEN, partitions: 1, nodeId: "dl-1", prefix }),
      60_000,
    );
    db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await waitFor(
      async () =>
        Number(
          (
            await db!.query(
              "select count(*) as n from cluster_partitions where owner = 'dl-1' and partition >= 0",
            )
          ).rows[0].n,
        ) === 1,
      "the node owning partition 0",
      20_000,
      200,
    );
    expect(await metric('logwarden_cluster_dead_letters_total{reason="not_a_handoff"}')).toEqual([
      'logwarden_cluster_dead_letters_total{reason="not_a_handoff"} 0',
    ]);

    // Straight into the partition's queue, as a stray publisher would.
    const conn = await amqp.connect(TEST_RABBITMQ_URL);
    const ch = await conn.createConfirmChannel();
    const strayId = randomUUID();
    const bytes = Buffer.from('{"not": "a hand-off"}');
    ch.sendToQueue(`${prefix}partition.0`, bytes, {
      persistent: true,
      messageId: strayId,
      contentType: "application/json",
      headers: { "x-sender": "stray" },
    });
    await ch.waitForConfirms();

    const res = await fetch(`${node.url}/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify([
        {
          timestamp: "2026-11-28T12:00:00Z",
          service: "api",
          level: "INFO",
          message: "after the stray message",
        },
      ]),
    });
    expect(res.status).toBe(200);
    await waitFor(
      async () =>
        Number(
          (await db!.query("select count(*) as n from logs where message = 'after the stray message'"))
            .rows[0].n,
        ) === 1,
      "the hand-off after the stray message stored",
      20_000,
      200,
    );

    const letter = await ch.get(`${prefix}dead-letter`, { noAck: true });
    expect(letter).not.toBe(false);
    if (!letter) return;
    expect(letter.content.equals(bytes)).toBe(true);
    expect(letter.properties.messageId).toBe(strayId);
    expect(letter.properties.contentType).toBe("application/json");
    const headers = letter.properties.headers ?? {};
    expect(headers).toMatchObject({
      "x-logwarden-dead-letter-reason": "not_a_handoff",
      "x-logwarden-partition": 0,
      "x-logwarden-queue": `${prefix}partition.0`,
      "x-sender": "stray",
    });
    expect(Number.isNaN(Date.parse(String(headers["x-logwarden-dead-lettered-at"])))).toBe(false);
    expect(await ch.get(`${prefix}dead-letter`)).toBe(false);
    // Acknowledged: nothing of it is left in the partition's queue.
    expect((await ch.checkQueue(`${prefix}partition.0`)).messageCount).toBe(0);
    await conn.close();

    expect(await metric('logwarden_cluster_dead_letters_total{reason="not_a_handoff"}')).toEqual([
      'logwarden_cluster_dead_letters_total{reason="not_a_handoff"} 1',
    ]);
    const logged = logLines(node).find((l) => l.reason === "not_a_handoff");
    expect(logged).toMatchObject({
      partition: 0,
      message: strayId,
      msg: "message is not a Logwarden hand-off; moved to the dead-letter queue",
    });
  }, 90_000);
});
