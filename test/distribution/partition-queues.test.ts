import amqp from "amqplib";
import { afterAll, describe, expect, it } from "vitest";
import { clusterSchema } from "../../src/config/cluster-schema.js";
import { ConfigError } from "../../src/config/load.js";
import { declarePartitionQueues } from "../../src/distribution/broker.js";
import { deletePartitionQueues, rabbitmqAvailable, TEST_RABBITMQ_URL } from "../helpers/rabbitmq.js";

const prefix = `queues-${process.pid}-${Date.now()}.`;

afterAll(async () => {
  if (await rabbitmqAvailable()) await deletePartitionQueues(prefix, 2).catch(() => {});
});

describe("partition queues declared again with another length limit", () => {
  it("is refused as a configuration problem that names the setting, the queue's limit and what to do", async (ctx) => {
    if (!(await rabbitmqAvailable())) return ctx.skip();
    const config = (queueMessages: number) =>
      clusterSchema.parse({ partitions: 2, queuePrefix: prefix, queueMessages });
    const conn = await amqp.connect(TEST_RABBITMQ_URL);
    // The refused declare takes the connection down with it (amqplib closes it on the channel's error).
    conn.on("error", () => {});
    try {
      await declarePartitionQueues(conn, config(1000));
      await declarePartitionQueues(conn, config(1000));
      const refused = await declarePartitionQueues(conn, config(2000)).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as Error).message).toContain(
        `CLUSTER_QUEUE_MESSAGES is 2000, but partition queue ${prefix}partition.0 holds at most 1000`,
      );
      expect((refused as Error).message).toContain("set CLUSTER_QUEUE_MESSAGES=1000 on every node");
    } finally {
      await conn.close().catch(() => {});
    }
  });
});

describe("partition queues declared while another node is still starting them", () => {
  it("retries the broker's 404 'home node ... is down or inaccessible' and declares every queue", async (ctx) => {
    if (!(await rabbitmqAvailable())) return ctx.skip();
    const config = clusterSchema.parse({ partitions: 2, queuePrefix: prefix, queueMessages: 1000 });
    const conn = await amqp.connect(TEST_RABBITMQ_URL);
    conn.on("error", () => {});
    // The race needs several nodes starting at once on a loaded broker (seen once in CI); here the first
    // declare of the first channel is answered as the broker answered there, the rest go to RabbitMQ.
    const createChannel = conn.createChannel.bind(conn);
    let refused = 0;
    conn.createChannel = async () => {
      const channel = await createChannel();
      if (refused === 0) {
        refused++;
        channel.assertQueue = async (queue: string) => {
          throw new Error(
            `Operation failed: QueueDeclare; 404 (NOT-FOUND) with message "NOT_FOUND - home node 'rabbit@vm' of durable queue '${queue}' in vhost '/' is down or inaccessible"`,
          );
        };
      }
      return channel;
    };
    try {
      await declarePartitionQueues(conn, config);
      expect(refused).toBe(1);
      const check = await createChannel();
      for (const p of [0, 1])
        expect((await check.checkQueue(`${prefix}partition.${p}`)).queue).toBe(`${prefix}partition.${p}`);
      await check.close();
    } finally {
      await conn.close().catch(() => {});
    }
  });
});
