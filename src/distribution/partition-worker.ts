import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { LogRecord } from "../core/log-record.js";
import type { LogStore } from "../core/log-store.js";
import { createProcessor } from "../pipeline/create-processor.js";
import { type BatchTiming, IngestPipeline } from "../pipeline/ingest-pipeline.js";
import type { SuppressionList } from "../pipeline/suppressions.js";
import type { Store, StoreTransaction } from "../store/db.js";
import type { StoredAnomaly } from "../store/repos/anomalies.js";
import { decodeHandoff } from "./handoff-codec.js";
import { type Lease, LeaseLostError, type PartitionLeases } from "./leases.js";
import { partitionQueue, partitionStatePrefix } from "./partition-key.js";

/** Hand-off messages a partition takes before acknowledging any: enough to fill a batch or two. */
const PREFETCH_MESSAGES = 16;
/** How long a message whose batch failed (not for a lost lease) waits before it is tried again. */
const RETRY_PAUSE_MS = 1_000;

export interface PartitionWorkerDeps {
  config: Config;
  store: Store;
  logs: LogStore<StoreTransaction>;
  clock: Clock;
  log: Logger;
  leases: PartitionLeases;
  onAnomalies: (anomalies: StoredAnomaly[]) => void;
  /** The node's own suppressions: a verdict given on this node applies to its partitions at once. */
  suppressions: SuppressionList;
  /** Each committed batch (the node's metrics count the partitions' work as their own). */
  onBatch: (timing: BatchTiming) => void;
}

/**
 * One partition this node owns: its own processor (miner and detectors), restored from the partition's
 * state rows, fed from the partition's queue. A message is acknowledged only after the batch holding its
 * records committed, together with the partition's state and the message's id: a message redelivered
 * after a crash between commit and acknowledgement is recognised by that id and acknowledged unprocessed,
 * so no detector sees a record twice and none is stored twice.
 */
export class PartitionWorker {
  readonly pipeline: IngestPipeline;
  readonly log: Logger;
  #channel: Channel | null = null;
  #consumerTag: string | null = null;
  /** Messages are taken in order, one after the other: a redelivery check must not let a later one pass. */
  #chain: Promise<void> = Promise.resolve();
  #lost = false;
  #stopping = false;

  constructor(
    readonly lease: Lease,
    private readonly deps: PartitionWorkerDeps,
    private readonly onLost: (worker: PartitionWorker) => void,
  ) {
    const { config, store, clock, leases, logs } = deps;
    this.log = deps.log.child({ partition: lease.partition });
    this.pipeline = new IngestPipeline(
      store,
      createProcessor(config, clock),
      clock,
      this.log,
      {
        // The queue holds the backlog; the pipeline only ever has the prefetched messages.
        queueRecords: Number.MAX_SAFE_INTEGER,
        queueMaxWaitSecs: 0,
        batchSize: config.ingest.batchSize,
        stateSaveIntervalMs: config.ingest.stateSaveSecs * 1000,
        ownership: {
          statePrefix: partitionStatePrefix(lease.partition),
          fence: (trx) => leases.fence(trx, lease),
          handoffsDone: (trx, ids) => leases.handoffsDone(trx, lease.partition, ids),
        },
      },
      logs,
    );
    this.pipeline.onAnomalies = deps.onAnomalies;
    this.pipeline.batchListeners.add(deps.onBatch);
  }

  get partition(): number {
    return this.lease.partition;
  }

  /** Restores the partition's state (what its last owner committed). */
  async start(): Promise<void> {
    await this.pipeline.start();
    // Loaded from the store by start; from now on the node's changes reach it as they are made.
    this.deps.suppressions.followers.add(this.pipeline.suppressions);
  }

  /** Consumes the partition's queue on `conn` (after every broker (re)connect). */
  async attach(conn: ChannelModel): Promise<void> {
    if (this.#lost) return;
    // What a dropped channel left in the pipeline must commit (or fail) first: the broker redelivers those
    // messages, and the redelivery check must see their ids.
    await this.#chain;
    await this.pipeline.idle();
    const channel = await conn.createChannel();
    channel.on("error", () => {});
    channel.on("close", () => {
      if (this.#channel === channel) {
        this.#channel = null;
        this.#consumerTag = null;
      }
    });
    await channel.prefetch(PREFETCH_MESSAGES);
    this.#channel = channel;
    const queue = partitionQueue(this.deps.config.cluster.queuePrefix, this.partition);
    const { consumerTag } = await channel.consume(queue, (msg) => {
      if (msg) this.#chain = this.#chain.then(() => this.#take(channel, msg));
    });
    this.#consumerTag = consumerTag;
  }

  /** The broker connection went: the channel and its unacknowledged messages with it. */
  detach(): void {
    this.#channel = null;
    this.#consumerTag = null;
  }

  async #take(channel: Channel, msg: ConsumeMessage): Promise<void> {
    const id = msg.properties.messageId as string | undefined;
    const records = decodeHandoff(msg.content);
    if (!records || !id) {
      this.log.error({ queue: msg.fields.routingKey }, "dropping a message that is not a Logwarden hand-off");
      settle(channel, msg, "drop");
      return;
    }
    if (msg.fields.redelivered) {
      const done = await this.#committed(channel, id);
      if (done === null) return;
      if (done) {
        this.log.info({ message: id }, "redelivered hand-off was already committed; acknowledged");
        settle(channel, msg, "ack");
        return;
      }
    }
    void this.#submitUntilCommitted(channel, msg, records, id);
  }

  /**
   * Whether the message's records are committed, asked until PostgreSQL answers; null once the channel
   * or the partition is gone (the broker then redelivers the message, to whoever owns it).
   */
  async #committed(channel: Channel, id: string): Promise<boolean | null> {
    for (;;) {
      if (this.#lost || this.#channel !== channel) return null;
      try {
        return (await this.deps.leases.doneHandoffs([id])).has(id);
      } catch {
        await pause(RETRY_PAUSE_MS);
      }
    }
  }

  /**
   * Submits the message's records and acknowledges them once committed. A batch that failed on a
   * dependency (PostgreSQL restarting) is tried again here after a pause, with the message held, rather
   * than requeued: RabbitMQ 4's quorum queues drop a message after 20 deliveries, which a requeue a second
   * would reach in a 20-second outage. Before each new try it asks whether the failed one committed after
   * all (a connection lost during COMMIT).
   */
  async #submitUntilCommitted(
    channel: Channel,
    msg: ConsumeMessage,
    records: LogRecord[],
    id: string,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pipeline.submit(records, undefined, id);
        settle(channel, msg, "ack");
        return;
      } catch (error) {
        if (error instanceof LeaseLostError) {
          settle(channel, msg, "requeue");
          this.#loseLease();
          return;
        }
        // Stopping (handing the partition back): the channel closes and the broker redelivers the message.
        if (this.#stopping) return;
        if (attempt === 1 || attempt % 30 === 0)
          this.log.warn({ err: (error as Error).message, attempt }, "hand-off batch failed; trying it again");
      }
      await pause(RETRY_PAUSE_MS);
      const done = await this.#committed(channel, id);
      if (done === null) return;
      if (done) {
        settle(channel, msg, "ack");
        return;
      }
    }
  }

  #loseLease(): void {
    if (this.#lost) return;
    this.#lost = true;
    this.log.warn("partition taken over by another node; dropping it");
    void this.#closeChannel();
    this.onLost(this);
  }

  /** Lets detectors judge quiet intervals and saves what is due (fenced like a batch). */
  async tick(): Promise<void> {
    if (this.#lost) return;
    try {
      await this.pipeline.tick();
    } catch (error) {
      if (error instanceof LeaseLostError) this.#loseLease();
      else throw error;
    }
  }

  /** Hands the partition on cleanly: stops taking messages, commits what it took, saves the state. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const channel = this.#channel;
    if (channel && this.#consumerTag) await channel.cancel(this.#consumerTag).catch(() => {});
    await this.#chain;
    this.deps.suppressions.followers.delete(this.pipeline.suppressions);
    try {
      if (!this.#lost) await this.pipeline.stop();
    } finally {
      // Also when the last save fails (the lease ran out while draining, PostgreSQL away): the cancelled
      // consumer's unacknowledged messages stay pinned to an open channel, and the partition's next owner
      // would get only the messages after them, until this node's connection closed.
      await this.#closeChannel();
    }
  }

  /** Another node holds the partition now: drop everything unsaved (it is in the queue still). */
  abandon(): void {
    this.#lost = true;
    this.deps.suppressions.followers.delete(this.pipeline.suppressions);
    void this.#closeChannel();
  }

  async #closeChannel(): Promise<void> {
    const channel = this.#channel;
    this.#channel = null;
    this.#consumerTag = null;
    await channel?.close().catch(() => {});
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function settle(channel: Channel, msg: ConsumeMessage, how: "ack" | "requeue" | "drop"): void {
  // On a channel already closed there is nothing to settle: the broker redelivers what it holds.
  try {
    if (how === "ack") channel.ack(msg);
    else channel.nack(msg, false, how === "requeue");
  } catch {}
}
