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
