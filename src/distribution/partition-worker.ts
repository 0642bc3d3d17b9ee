import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
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
/** How long a message whose batch failed (not for a lost lease) waits before it goes back to the queue. */
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
      const done = await this.deps.leases.doneHandoffs([id]).catch(() => null);
      if (done === null) {
        // The check could not be made (PostgreSQL away): the broker keeps the message for later.
        settleLater(channel, msg);
        return;
      }
      if (done.has(id)) {
        this.log.info({ message: id }, "redelivered hand-off was already committed; acknowledged");
        settle(channel, msg, "ack");
        return;
      }
    }
    this.pipeline.submit(records, undefined, id).then(
      () => settle(channel, msg, "ack"),
      (error: unknown) => {
        if (error instanceof LeaseLostError) {
          settle(channel, msg, "requeue");
          this.#loseLease();
          return;
        }
        settleLater(channel, msg);
        this.log.warn({ err: (error as Error).message }, "hand-off batch failed; the broker redelivers it");
      },
    );
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

/**
 * Requeues a message after a pause: what failed is a dependency (PostgreSQL restarting), and an immediate
 * requeue would have the broker redeliver it, and the batch fail again, as fast as they can go.
 */
function settleLater(channel: Channel, msg: ConsumeMessage): void {
  setTimeout(() => settle(channel, msg, "requeue"), RETRY_PAUSE_MS).unref();
}

function settle(channel: Channel, msg: ConsumeMessage, how: "ack" | "requeue" | "drop"): void {
  // On a channel already closed there is nothing to settle: the broker redelivers what it holds.
  try {
    if (how === "ack") channel.ack(msg);
    else channel.nack(msg, false, how === "requeue");
  } catch {}
}
