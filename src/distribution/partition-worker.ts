import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import { sql } from "kysely";
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
import { declarePartitionQueue } from "./broker.js";
import { DeadLetterChannel, type DeadLetterReason } from "./dead-letters.js";
import { entityFactsPasser } from "./entity-facts.js";
import { decodeHandoff } from "./handoff-codec.js";
import { type Lease, LeaseLostError, type PartitionLeases } from "./leases.js";
import { deadLetterQueue, isKeyedHandoff, partitionQueue, partitionStatePrefix } from "./partition-key.js";

/** Hand-off messages a partition takes before acknowledging any: enough to fill a batch or two. */
const PREFETCH_MESSAGES = 16;
/** How long a message whose batch failed (not for a lost lease) waits before it is tried again. */
const RETRY_PAUSE_MS = 1_000;
/** First pause before a consumer channel the broker closed is opened again; doubled each failure up to the cap. */
const REATTACH_FIRST_MS = 500;
const REATTACH_MAX_MS = 30_000;
/**
 * Deliveries a message may have come back from (the `x-delivery-count` quorum queues set: its channel or
 * node went before it was acknowledged) before it is dead-lettered instead of taken. One that keeps a node
 * from acknowledging it (it crashes the process, or outlasts the consumer timeout every time) would
 * otherwise hold its partition up for good; 10 lets ordinary restarts and hand-overs pass, and stays below
 * the 20 deliveries after which RabbitMQ 4's quorum queues drop a message themselves.
 */
export const MAX_REDELIVERIES = 10;

/**
 * Times a batch may fail while PostgreSQL answers (a row it refuses, a constraint) before it is
 * dead-lettered: retrying it for ever would hold its partition up for good.
 */
export const MAX_BATCH_FAILURES = 5;

/** What each dead-letter reason means, for the log line. */
const DEAD_LETTER_WHY: Record<DeadLetterReason, string> = {
  not_a_handoff: "message is not a Logwarden hand-off",
  delivery_limit: "hand-off delivered too often without being acknowledged",
  batch_failed: `hand-off batch failed ${MAX_BATCH_FAILURES} times while PostgreSQL answered`,
};

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
  /** Each message moved to the dead-letter queue (and acknowledged). */
  onDeadLetter: (reason: DeadLetterReason) => void;
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
  /** The broker connection the consumer is on (null while it is away: the node re-attaches then). */
  #conn: ChannelModel | null = null;
  /** Where dead letters are published (with confirms), opened on first use. */
  readonly #deadLetters = new DeadLetterChannel();
  #reattachTimer: NodeJS.Timeout | null = null;
  #reattachDelayMs = REATTACH_FIRST_MS;
  /** Messages are taken in order, one after the other: a redelivery check must not let a later one pass. */
  #chain: Promise<void> = Promise.resolve();
  /**
   * Hand-offs submitted and not yet settled, by message id: a keyed hand-off sent again (a client's
   * resend) may arrive while its first copy is still in the pipeline, where `cluster_handoffs` cannot
   * show it yet.
   */
  readonly #taking = new Map<string, Promise<void>>();
  #lost = false;
  #stopping = false;
  /** Messages waiting to be submitted together (`#lingerSubmit`), null when none wait. */
  #lingering: { records: LogRecord[]; id: string; settle: (result: Promise<unknown>) => void }[] | null =
    null;

  constructor(
    readonly lease: Lease,
    private readonly deps: PartitionWorkerDeps,
    private readonly onLost: (worker: PartitionWorker) => void,
  ) {
    const { config, store, clock, leases, logs } = deps;
    this.log = deps.log.child({ partition: lease.partition });
    this.pipeline = new IngestPipeline(
      store,
      // Detectors that judge across streams (users and addresses, sessions) run at the entity owner,
      // which gets the partition's facts (`passOn`), not here on one partition's share of them.
      createProcessor(config, clock, "streams"),
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
          passOn: entityFactsPasser(config),
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
    this.#conn = conn;
    this.#clearReattach();
    // What a dropped channel left in the pipeline must commit (or fail) first: the broker redelivers those
    // messages, and the redelivery check must see their ids.
    await this.#chain;
    await this.pipeline.idle();
    // Stopped or dropped meanwhile (a re-attach after the broker closed the channel is not awaited by stop).
    if (this.#lost || this.#stopping) return;
    const channel = await conn.createChannel();
    let closedBy: Error | null = null;
    // The broker closing the channel (a consumer timeout, a channel error) comes as "error", then "close";
    // the connection going, or this worker closing it, as "close" alone.
    channel.on("error", (error: Error) => {
      closedBy = error;
    });
    channel.on("close", () => {
      if (this.#channel !== channel) return;
      this.#channel = null;
      this.#consumerTag = null;
      if (closedBy) this.#scheduleReattach(conn, closedBy);
    });
    await channel.prefetch(PREFETCH_MESSAGES);
    this.#channel = channel;
    // Declared again here, not only at start: a queue deleted under a running node (an operator, a broker
    // reset) is back when the worker consumes again after the broker cancelled its consumer.
    await declarePartitionQueue(channel, this.deps.config.cluster, this.partition);
    const queue = partitionQueue(this.deps.config.cluster.queuePrefix, this.partition);
    const { consumerTag } = await channel.consume(queue, (msg) => {
      if (msg) this.#chain = this.#chain.then(() => this.#take(channel, msg));
      // null: the broker cancelled the consumer (its queue deleted, a quorum queue's member gone) and
      // leaves the channel open with nothing consuming on it. Closed, it is opened again like a channel
      // the broker closed; its unacknowledged messages go back to the queue meanwhile.
      else if (this.#channel === channel && !this.#stopping && !this.#lost) {
        closedBy = new Error("the broker cancelled the partition's consumer");
        channel.close().catch(() => {});
      }
    });
    this.#consumerTag = consumerTag;
    if ((this.#lost || this.#stopping) && this.#channel === channel) await this.#closeChannel();
  }

  /** The broker connection went: the channel and its unacknowledged messages with it. */
  detach(): void {
    this.#channel = null;
    this.#consumerTag = null;
    this.#conn = null;
    this.#deadLetters.forget();
    this.#clearReattach();
  }

  /**
   * The broker closed the consumer channel while the connection lives: nothing would consume the
   * partition again (the node only re-attaches after a reconnect), yet its lease would be renewed. A new
   * channel and consumer on the same connection, after a pause that doubles while attaching fails. The
   * old channel's unacknowledged messages come back redelivered, and `attach` first waits for what the
   * pipeline still holds of them to commit, so the redelivery check sees their ids.
   */
  #scheduleReattach(conn: ChannelModel, cause: Error): void {
    if (this.#stopping || this.#lost || this.#conn !== conn || this.#reattachTimer) return;
    const delayMs = this.#reattachDelayMs;
    this.log.warn(
      { err: cause.message, retry_ms: delayMs },
      "broker closed the partition's consumer channel; consuming again on a new one",
    );
    this.#reattachTimer = setTimeout(() => {
      this.#reattachTimer = null;
      if (this.#stopping || this.#lost || this.#conn !== conn || this.#channel) return;
      this.attach(conn).then(
        () => {
          if (!this.#channel) return;
          this.#reattachDelayMs = REATTACH_FIRST_MS;
          this.log.info("partition consumer attached again");
        },
        (error: unknown) => {
          this.#reattachDelayMs = Math.min(delayMs * 2, REATTACH_MAX_MS);
          this.#scheduleReattach(conn, error as Error);
        },
      );
    }, delayMs);
    this.#reattachTimer.unref();
  }

  #clearReattach(): void {
    if (this.#reattachTimer) clearTimeout(this.#reattachTimer);
    this.#reattachTimer = null;
  }

  async #take(channel: Channel, msg: ConsumeMessage): Promise<void> {
    const id = msg.properties.messageId as string | undefined;
    const records = decodeHandoff(msg.content);
    if (!records || !id) {
      await this.#deadLetter(channel, msg, "not_a_handoff");
      return;
    }
    // A keyed hand-off (an Idempotency-Key's, a source's read) may be a copy sent again, on a fresh
    // delivery: it is checked like a redelivery, after the copy still in the pipeline, if any, settles.
    const keyed = isKeyedHandoff(id);
    if (msg.fields.redelivered || keyed) {
      const twin = this.#taking.get(id);
      if (twin) await twin;
      const done = await this.#committed(channel, id);
      if (done === null) return;
      if (done) {
        this.log.info(
          { message: id },
          msg.fields.redelivered
            ? "redelivered hand-off was already committed; acknowledged"
            : "hand-off sent again was already committed; acknowledged",
        );
        settle(channel, msg, "ack");
        return;
      }
      if (msg.fields.redelivered && deliveryCount(msg) >= MAX_REDELIVERIES) {
        await this.#deadLetter(channel, msg, "delivery_limit");
        return;
      }
    }
    const taking = this.#submitUntilCommitted(channel, msg, records, id);
    this.#taking.set(id, taking);
    const settled = () => {
      if (this.#taking.get(id) === taking) this.#taking.delete(id);
    };
    taking.then(settled, settled);
  }

  /**
   * Moves a message this worker cannot take to the dead-letter queue: its bytes and properties, with
   * headers saying why, from which partition and when; acknowledged only once the broker confirmed the
   * copy. Until then it is held and the publish tried again (the partition waits: messages are taken in
   * order); a channel that closes meanwhile gets it redelivered.
   */
  async #deadLetter(
    channel: Channel,
    msg: ConsumeMessage,
    reason: DeadLetterReason,
    error?: string,
  ): Promise<void> {
    const queue = deadLetterQueue(this.deps.config.cluster.queuePrefix);
    for (let attempt = 1; ; attempt++) {
      if (this.#lost || this.#stopping || this.#channel !== channel) return;
      try {
        const conn = this.#conn;
        if (!conn) throw new Error("no broker connection");
        const at = new Date(this.deps.clock.now());
        await this.#deadLetters.publish(conn, queue, msg, { reason, partition: this.partition, at, error });
        break;
      } catch (error) {
        if (attempt === 1 || attempt % 30 === 0)
          this.log.warn(
            { err: (error as Error).message, attempt, reason },
            "could not move a message to the dead-letter queue; trying again",
          );
      }
      await pause(RETRY_PAUSE_MS);
    }
    settle(channel, msg, "ack");
    this.deps.onDeadLetter(reason);
    this.log.error(
      {
        reason,
        dead_letter_queue: queue,
        message: msg.properties.messageId as string | undefined,
        deliveries: deliveryCount(msg) + 1,
        bytes: msg.content.length,
        ...(error === undefined ? {} : { err: error }),
      },
      `${DEAD_LETTER_WHY[reason]}; moved to the dead-letter queue`,
    );
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
    // Failures while PostgreSQL answered: the batch's own (a row it refuses), not an outage.
    let ownFailures = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await (attempt === 1
          ? this.#lingerSubmit(records, id)
          : this.pipeline.submit(records, undefined, { handoffId: id }));
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
        const message = (error as Error).message;
        // An outage holds the partition (its messages wait, nothing is lost); a batch that fails while the
        // store answers would hold it for good, and goes to the dead-letter queue instead.
        if (!isTransient(error) && (await this.#storeAnswers()) && ++ownFailures >= MAX_BATCH_FAILURES) {
          await this.#deadLetter(channel, msg, "batch_failed", message);
          return;
        }
        if (attempt === 1 || attempt % 30 === 0)
          this.log.warn({ err: message, attempt }, "hand-off batch failed; trying it again");
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

  /**
   * While the pipeline is idle, a message waits CLUSTER_BATCH_LINGER_MS for the ones behind it, and they
   * are submitted together, so they commit as one batch (each batch writes the state of every stream it
   * touched). A busy pipeline gathers its next batch meanwhile anyway: a message then goes at once.
   */
  #lingerSubmit(records: LogRecord[], id: string): Promise<unknown> {
    const ms = this.deps.config.cluster.batchLingerMs;
    if (ms <= 0 || (this.#lingering === null && this.pipeline.stats.queuedRecords > 0))
      return this.pipeline.submit(records, undefined, { handoffId: id });
    return new Promise((resolve) => {
      if (this.#lingering === null) {
        this.#lingering = [];
        setTimeout(() => this.#submitLingering(), ms);
      }
      this.#lingering.push({ records, id, settle: resolve });
    });
  }

  #submitLingering(): void {
    const waiting = this.#lingering ?? [];
    this.#lingering = null;
    const results = this.pipeline.submitAll(
      waiting.map((w) => ({ records: w.records, extras: { handoffId: w.id } })),
    );
    for (const [i, w] of waiting.entries()) w.settle(results[i]!);
  }

  /** Whether PostgreSQL answers a trivial query now. */
  async #storeAnswers(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.deps.store.db);
      return true;
    } catch {
      return false;
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
    this.#clearReattach();
    const channel = this.#channel;
    this.#channel = null;
    this.#consumerTag = null;
    await channel?.close().catch(() => {});
    await this.#deadLetters.close();
  }
}

/**
 * PostgreSQL errors that a retry can get past: a transaction rolled back (serialization failure,
 * deadlock: class 40), resources short (53), an operator's intervention (57), the connection (08), a lock
 * not available (55P03). Such failures never count against the batch.
 */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (/^(40|53|57|08)/.test(code) || code === "55P03");
}

/** Times the broker says the message came back unacknowledged before this delivery (0 the first time). */
function deliveryCount(msg: ConsumeMessage): number {
  const count = Number(msg.properties.headers?.["x-delivery-count"] ?? 0);
  return Number.isFinite(count) ? count : 0;
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
