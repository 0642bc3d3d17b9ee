import { randomUUID } from "node:crypto";
import type { ChannelModel, ConfirmChannel } from "amqplib";
import type { Logger } from "pino";
import type { ClusterConfig } from "../config/cluster-schema.js";
import { BackpressureError } from "../core/errors.js";
import type { LogRecord } from "../core/log-record.js";
import type { SubmissionRef } from "../core/source.js";
import type { IngestResult, RecordSource, SubmissionExtras } from "../pipeline/ingest-pipeline.js";
import type { IngestPort } from "../pipeline/ingest-port.js";
import { BrokerConnection, declarePartitionQueues } from "./broker.js";
import { encodeHandoff } from "./handoff-codec.js";
import { keyedHandoffId, partitionOf, partitionQueue } from "./partition-key.js";

/** Seconds a client is told to wait while the broker or the store is away. */
const BROKER_DOWN_RETRY_SECS = 5;

/**
 * Any node's ingest on a cluster: records are grouped by partition and published, persistent, to the
 * partitions' queues; a submission resolves once the broker has confirmed every message (publisher
 * confirms: on disk in a quorum queue). The owner of each partition mines, detects and stores them.
 * While the broker is unreachable, or refuses (a partition queue at its length limit), submissions are
 * refused with a BackpressureError (503 and Retry-After), and nothing is acknowledged.
 */
export class HandoffPublisher implements IngestPort {
  readonly #broker: BrokerConnection;
  #channel: ConfirmChannel | null = null;
  #inFlight = 0;
  #accepting = true;
  readonly stats = { rejectedSubmissions: 0, publishedMessages: 0, publishedRecords: 0 };

  constructor(
    private readonly config: ClusterConfig,
    url: string,
    private readonly maxInFlightRecords: number,
    log: Logger,
    /** Whether the owners' store is away (they could not commit): ingest is refused meanwhile. */
    private readonly storeDown: () => boolean = () => false,
  ) {
    this.#broker = new BrokerConnection(
      url,
      "logwarden hand-off publisher",
      log,
      (conn) => this.#up(conn),
      () => {
        this.#channel = null;
      },
    );
  }

  async start(): Promise<void> {
    await this.#broker.start();
  }

  async #up(conn: ChannelModel): Promise<void> {
    await declarePartitionQueues(conn, this.config);
    const channel = await conn.createConfirmChannel();
    channel.on("error", () => {});
    channel.on("close", () => {
      if (this.#channel === channel) {
        this.#channel = null;
        // A channel the broker closed alone (a channel error) takes the connection with it: reconnect.
        void conn.close().catch(() => {});
      }
    });
    this.#channel = channel;
  }

  /** Connected to the broker and not blocked by its flow control. */
  get connected(): boolean {
    return this.#channel !== null && this.#broker.usable;
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  get depth(): number {
    return this.#inFlight;
  }

  refusal(records = 0): BackpressureError | null {
    if (!this.#accepting) return new BackpressureError(5);
    if (!this.#channel || !this.#broker.usable)
      return new BackpressureError(
        BROKER_DOWN_RETRY_SECS,
        "the cluster's broker (RabbitMQ) is unreachable, retry later",
      );
    if (this.storeDown())
      return new BackpressureError(
        BROKER_DOWN_RETRY_SECS,
        "the cluster's store (PostgreSQL) is unreachable, retry later",
      );
    if (this.#inFlight > 0 && this.#inFlight + records > this.maxInFlightRecords)
      return new BackpressureError(1);
    return null;
  }

  /**
   * A keyed submission (`extras.idempotent`, or a source's `submission.key`) is published under message
   * ids derived from its key, partition and chunk (`keyedHandoffId`): sent again after any failure, to any
   * node, even when only some of its messages were confirmed the first time, every message the partitions'
   * owners committed is recognised and acknowledged unprocessed, and the rest are stored.
   */
  async submit(
    source: RecordSource,
    submission?: SubmissionRef,
    extras?: SubmissionExtras,
  ): Promise<IngestResult> {
    if (source.length === 0) return { records: [], refs: [], anomalies: [] };
    const refusal = this.refusal(source.length);
    if (refusal) {
      if (this.#accepting) this.stats.rejectedSubmissions++;
      throw refusal;
    }
    const channel = this.#channel!;
    // The records are published whole, so a source that decodes on demand is read here at once.
    const records = source.slice(0, source.length);
    const groups = new Map<number, LogRecord[]>();
    for (const r of records) {
      const p = partitionOf(r, this.config.partitions);
      const group = groups.get(p);
      if (group) group.push(r);
      else groups.set(p, [r]);
    }
    const key = extras?.idempotent?.key ?? submission?.key;
    this.#inFlight += records.length;
    try {
      const confirms: Promise<void>[] = [];
      const per = this.config.messageRecords;
      for (const [p, group] of groups)
        for (let i = 0; i < group.length; i += per) {
          const id = key === undefined ? randomUUID() : keyedHandoffId(key, p, i / per);
          confirms.push(
            publish(channel, partitionQueue(this.config.queuePrefix, p), group.slice(i, i + per), id),
          );
        }
      const settled = await Promise.allSettled(confirms);
      const failed = settled.find((s) => s.status === "rejected");
      if (failed) {
        this.stats.rejectedSubmissions++;
        // Refused by the broker (a full queue, an alarm) or the connection went: the client sends again.
        throw this.#channel
          ? new BackpressureError(1, "a partition queue refused the records (full or in alarm), retry later")
          : new BackpressureError(
              BROKER_DOWN_RETRY_SECS,
              "the cluster's broker (RabbitMQ) went away, retry later",
            );
      }
      this.stats.publishedMessages += confirms.length;
      this.stats.publishedRecords += records.length;
      return { records: [], refs: [], anomalies: [] };
    } finally {
      this.#inFlight -= records.length;
    }
  }

  async close(): Promise<void> {
    this.#accepting = false;
    await this.#broker.close();
  }
}

/** One persistent message; resolves when the broker confirms it, rejects when it refuses it. */
function publish(
  channel: ConfirmChannel,
  queue: string,
  records: readonly LogRecord[],
  messageId: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      channel.sendToQueue(
        queue,
        encodeHandoff(records),
        { persistent: true, contentType: "application/json", messageId },
        (error: unknown) =>
          error ? reject(error instanceof Error ? error : new Error("message nacked")) : resolve(),
      );
    } catch (error) {
      // The channel is closed: amqplib throws instead of calling back.
      reject(error);
    }
  });
}
