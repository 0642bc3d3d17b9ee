import { setTimeout as sleep } from "node:timers/promises";
import amqp, { type Channel, type ChannelModel } from "amqplib";
import type { Logger } from "pino";
import type { ClusterConfig } from "../config/cluster-schema.js";
import { ConfigError } from "../config/load.js";
import { deadLetterQueue, partitionQueue } from "./partition-key.js";

/**
 * One connection to the cluster's broker, reconnected with backoff when it drops (a broker restart):
 * `onUp` runs after every (re)connect, `onDown` when it goes.
 */
export class BrokerConnection {
  #conn: ChannelModel | null = null;
  #closing = false;
  #retry: NodeJS.Timeout | null = null;
  #blocked = false;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly log: Logger,
    private readonly onUp: (conn: ChannelModel) => Promise<void>,
    private readonly onDown: () => void,
  ) {}

  get connection(): ChannelModel | null {
    return this.#conn;
  }

  /** Up and not blocked by the broker's flow control (a memory or disk alarm). */
  get usable(): boolean {
    return this.#conn !== null && !this.#blocked;
  }

  /** The first connect: a broker that does not answer fails the start (the node is not ready). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const conn = await amqp.connect(this.url, {
      timeout: 10_000,
      clientProperties: { connection_name: this.name },
    });
    conn.on("error", (error: unknown) =>
      this.log.warn({ err: error }, `${this.name}: broker connection failed`),
    );
    conn.on("close", () => this.#lost(conn));
    conn.on("blocked", (reason: unknown) => {
      this.#blocked = true;
      this.log.warn({ reason }, `${this.name}: broker blocked publishing`);
    });
    conn.on("unblocked", () => {
      this.#blocked = false;
    });
    try {
      this.#conn = conn;
      this.#blocked = false;
      await this.onUp(conn);
    } catch (error) {
      this.#conn = null;
      await conn.close().catch(() => {});
      throw error;
    }
  }

  #lost(conn: ChannelModel): void {
    if (conn !== this.#conn) return;
    this.#conn = null;
    this.onDown();
    if (this.#closing) return;
    this.log.warn(`${this.name}: broker connection lost; reconnecting`);
    this.#reconnect(500);
  }

  #reconnect(delayMs: number): void {
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (this.#closing) return;
      this.#connect().then(
        () => this.log.info(`${this.name}: broker connection restored`),
        (error: unknown) => {
          this.log.warn(
            { err: (error as Error).message, retry_ms: delayMs },
            `${this.name}: broker still unreachable`,
          );
          this.#reconnect(Math.min(delayMs * 2, 10_000));
        },
      );
    }, delayMs);
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#retry) clearTimeout(this.#retry);
    const conn = this.#conn;
    this.#conn = null;
    await conn?.close().catch(() => {});
  }
}

/** Declares one partition's queue (idempotent; see `declarePartitionQueues`). */
export async function declarePartitionQueue(
  channel: Channel,
  config: ClusterConfig,
  partition: number,
): Promise<void> {
  await channel.assertQueue(partitionQueue(config.queuePrefix, partition), {
    durable: true,
    arguments: {
      "x-queue-type": "quorum",
      "x-single-active-consumer": true,
      "x-max-length": config.queueMessages,
      "x-overflow": "reject-publish",
    },
  });
}

/**
 * Declares every partition queue (idempotent): quorum queues (replicated, on disk), each with a single
 * active consumer, so even two nodes that both believed they owned a partition would not both get its
 * messages, and a length limit past which the broker refuses publishes instead of growing without end.
 * Also the deployment's dead-letter queue (`<prefix>dead-letter`, a quorum queue without a length limit:
 * a refused dead letter would hold its partition up), where an owner moves a message it cannot take.
 */
export async function declarePartitionQueues(conn: ChannelModel, config: ClusterConfig): Promise<void> {
  for (let attempt = 1, pauseMs = 200; ; attempt++, pauseMs *= 2) {
    try {
      return await declareAllOnce(conn, config);
    } catch (error) {
      if (attempt >= DECLARE_ATTEMPTS || !queueStillStarting(error)) throw error;
      await sleep(pauseMs);
    }
  }
}

/** 200 ms doubling: about 6 s in all, far more than a quorum queue takes to elect its first leader. */
const DECLARE_ATTEMPTS = 6;

/**
 * Nodes starting together declare the same new quorum queues at once. While one node's declare is still
 * starting a queue's replicas, another's finds the queue's record without a running queue and the broker
 * answers 404 "home node ... of durable queue ... is down or inaccessible", closing the channel. Seen in
 * CI with three nodes starting at once; the same declare a moment later succeeds.
 */
function queueStillStarting(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /NOT_FOUND/.test(text) && /is down or inaccessible/.test(text);
}

async function declareAllOnce(conn: ChannelModel, config: ClusterConfig): Promise<void> {
  const channel = await conn.createChannel();
  // A declare the broker refuses closes the channel with an "error" event; the rejection below reports it.
  channel.on("error", () => {});
  let queue = "";
  try {
    for (let p = 0; p < config.partitions; p++) {
      queue = partitionQueue(config.queuePrefix, p);
      await declarePartitionQueue(channel, config, p);
    }
    queue = deadLetterQueue(config.queuePrefix);
    await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
  } catch (error) {
    throw queueMismatch(error, queue) ?? error;
  } finally {
    await channel.close().catch(() => {});
  }
}

/**
 * RabbitMQ keeps the arguments a queue was declared with, and refuses a declare that differs
 * (406 PRECONDITION_FAILED, "inequivalent arg"): a changed CLUSTER_QUEUE_MESSAGES, or queues an older
 * setup made. Said as a configuration problem, with what to do, instead of the broker's words alone.
 */
function queueMismatch(error: unknown, queue: string): ConfigError | null {
  const text = error instanceof Error ? error.message : String(error);
  const m = /inequivalent arg '([^']+)'.*received '([^']*)' but current is '([^']*)'/.exec(text);
  if (!m) return null;
  const [, arg, wanted, current] = m;
  const setting =
    arg === "x-max-length"
      ? `CLUSTER_QUEUE_MESSAGES is ${wanted}, but partition queue ${queue} holds at most ${current}`
      : `partition queue ${queue} exists with ${arg} ${current}, where this version declares ${wanted}`;
  return new ConfigError([
    `${setting}. RabbitMQ keeps the arguments a queue was made with: ${
      arg === "x-max-length" ? `set CLUSTER_QUEUE_MESSAGES=${current} on every node, or ` : ""
    }use a new CLUSTER_QUEUE_PREFIX, or delete the partition queues once every node is stopped and they are empty`,
  ]);
}
