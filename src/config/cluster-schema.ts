import { z } from "zod";
import { positiveInt } from "./coerce.js";

/**
 * Several nodes on one PostgreSQL and one RabbitMQ (issue 16, docs/deployment.md "Three nodes"). Off by
 * default: one `logwarden serve` mines and detects everything it receives, on SQLite or PostgreSQL.
 */
export const clusterSchema = z
  .object({
    /**
     * Partitions the streams are spread over (0: no cluster). Every node of a deployment must use the same
     * number: the first node to start records it, and a node with another refuses to start.
     */
    partitions: z.coerce.number().int().min(0).max(1024).default(0),
    /** This node's name in leases and logs; unset: host name and process id. */
    nodeId: z.string().min(1).max(200).optional(),
    /** A node that has not renewed its leases for this long is dead: its partitions are taken over. */
    leaseSecs: positiveInt.default(10),
    /** The broker partitions are handed over on; unset: RABBITMQ_URL's value, else localhost. */
    rabbitmqUrl: z.string().optional(),
    /** Prepended to the partition queue names, so several deployments can share one broker. */
    queuePrefix: z.string().max(100).default("logwarden."),
    /**
     * Messages one partition queue holds before the broker refuses more (ingest then answers 503 with
     * Retry-After): the owners are that far behind.
     */
    queueMessages: positiveInt.default(20_000),
    /** Records in one hand-off message (a request's records for one partition are split into these). */
    messageRecords: positiveInt.default(1_000),
    /**
     * How long a partition's owner, idle, waits after a message before it starts a batch, so that the
     * messages arriving meanwhile commit in the same batch: each batch writes the state of every stream
     * it touched, so fewer, fuller batches cost less a line. Adds at most this much to when lines are
     * stored and judged (senders have their answer already). 0: each message at once.
     */
    batchLingerMs: z.coerce.number().int().min(0).max(5_000).default(250),
  })
  .prefault({});

export type ClusterConfig = z.infer<typeof clusterSchema>;

export const CLUSTER_ENV_KEYS: Record<string, string> = {
  CLUSTER_PARTITIONS: "cluster.partitions",
  CLUSTER_NODE_ID: "cluster.nodeId",
  CLUSTER_LEASE_SECS: "cluster.leaseSecs",
  CLUSTER_RABBITMQ_URL: "cluster.rabbitmqUrl",
  CLUSTER_QUEUE_PREFIX: "cluster.queuePrefix",
  CLUSTER_QUEUE_MESSAGES: "cluster.queueMessages",
  CLUSTER_MESSAGE_RECORDS: "cluster.messageRecords",
  CLUSTER_BATCH_LINGER_MS: "cluster.batchLingerMs",
};
