import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage } from "amqplib";
import type { Logger } from "pino";
import { isJsonObject } from "../core/json.js";
import { CONSUMERS, type ConsumerStage, type TriageService } from "./service.js";
import { reasonOf } from "./stage-runner.js";
import type { TriageMessage } from "./types.js";

/**
 * RabbitMQ between the stages (TRIAGE_TRANSPORT=rabbitmq), on the contract's queues (§2.2): `alert.raw`,
 * `alert.normalized`, then our `alert.enriched` and `alert.intel`. Messages are persistent JSON
 * `{"alert", "enrichment", "normalized"}`; each is acknowledged only once its stage has persisted it and
 * the broker has confirmed its publish to the next queue, so a crash redelivers rather than loses. Stage
 * writes are idempotent upserts/replaces, and the last stage's claim (`markStage`) lets a redelivered alert
 * through only once.
 */
export class RabbitmqTransport {
  #conn: ChannelModel | null = null;
  #channel: ConfirmChannel | null = null;
  #connected = false;
  #closing = false;
  #retry: NodeJS.Timeout | null = null;
  #tags: string[] = [];
  readonly #queueOf = new Map<ConsumerStage, string>();

  constructor(
    private readonly url: string,
    private readonly triage: TriageService,
    private readonly log: Logger,
  ) {
    const prefix = triage.deps.config.queuePrefix;
    for (const [stage, name] of CONSUMERS) this.#queueOf.set(stage, `${prefix}${name}`);
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Connects and consumes; a broker that does not answer fails the start (the node is not ready). */
  async start(): Promise<void> {
    this.triage.transportOk = () => this.#connected;
    this.triage.route = (stage, messages) => {
      const channel = this.#channel;
      if (!channel || !this.#connected)
        return Promise.reject(new Error("not connected to the triage broker (RabbitMQ)"));
      return publishConfirmed(channel, this.#queueOf.get(stage)!, messages);
    };
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const conn = await amqp.connect(this.url, { timeout: 10_000 });
    conn.on("error", (error: unknown) => this.log.error({ err: error }, "triage broker connection failed"));
    conn.on("close", () => this.#lost(conn));
    try {
      // Confirm mode: a publish resolves once the broker has the message (on disk, for a durable queue).
      const channel = await conn.createConfirmChannel();
      // A channel the broker closed on its own (a channel error) takes the connection with it, so the
      // reconnect below starts afresh rather than leaving a node that publishes into nothing.
      channel.on("error", (error: unknown) => this.log.error({ err: error }, "triage broker channel failed"));
      channel.on("close", () => {
        if (!this.#closing && this.#channel === channel) void conn.close().catch(() => {});
      });
      await channel.prefetch(this.triage.deps.config.batchSize);
      for (const queue of this.#queueOf.values()) await channel.assertQueue(queue, { durable: true });
      this.#conn = conn;
      this.#channel = channel;
      this.#connected = true;
      this.#tags = [];
      for (const [stage] of CONSUMERS) await this.#consume(channel, stage);
    } catch (error) {
      await conn.close().catch(() => {});
      throw error;
    }
  }

  /**
   * The broker went away (restart, network): stages report unhealthy, publishes fail (the intake answers
   * 503), and the transport reconnects with backoff. Messages that were not acknowledged are redelivered
   * by the broker, to this node or another; the stages' idempotent writes and claims absorb the repeats.
   */
  #lost(conn: ChannelModel): void {
    if (conn !== this.#conn) return;
    this.#connected = false;
    this.#channel = null;
    this.#conn = null;
    if (this.#closing) return;
    this.log.warn("triage broker connection lost; reconnecting");
    this.#reconnect(1_000);
  }

  #reconnect(delayMs: number): void {
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (this.#closing) return;
      this.#connect().then(
        () => this.log.info("triage broker connection restored"),
        (error: unknown) => {
          this.log.warn({ err: reasonOf(error), retry_ms: delayMs }, "triage broker still unreachable");
          this.#reconnect(Math.min(delayMs * 2, 30_000));
        },
      );
    }, delayMs);
  }

  async #consume(channel: ConfirmChannel, stage: ConsumerStage): Promise<void> {
    const queue = this.#queueOf.get(stage)!;
    const runner = this.triage.runners.get(stage)!;
    const { consumerTag } = await channel.consume(queue, (msg: ConsumeMessage | null) => {
      if (!msg) return;
      const message = decode(msg.content);
      if (!message) {
        // Not ours to fix: logged with the contract's phrase and dropped, never requeued forever.
        this.log.error({ stage, queue }, "Error processing message: not a triage message");
        channel.nack(msg, false, false);
        return;
      }
      runner.push([message], (handled) => {
        // On a channel already closed there is nothing to settle: the broker redelivers what it holds.
        try {
          if (handled) channel.ack(msg);
          else channel.nack(msg, false, true);
        } catch (error) {
          this.log.warn(
            { stage, err: reasonOf(error) },
            "could not settle a message; the broker redelivers it",
          );
        }
      });
    });
    this.#tags.push(consumerTag);
    // The contract's phrases (§2.2): consumer connected, then its loop running (logged once per runner).
    runner.start();
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#retry) clearTimeout(this.#retry);
    const channel = this.#channel;
    if (channel) for (const tag of this.#tags) await channel.cancel(tag).catch(() => {});
    await this.triage.idle();
    this.#connected = false;
    await channel?.close().catch(() => {});
    await this.#conn?.close().catch(() => {});
  }
}

/** Publishes persistent JSON messages to `queue`; resolves when the broker confirmed every one. */
function publishConfirmed(channel: ConfirmChannel, queue: string, messages: TriageMessage[]): Promise<void> {
  if (messages.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let pending = messages.length;
    let failure: unknown = null;
    const settle = (error: unknown) => {
      if (error) failure ??= error;
      if (--pending > 0) return;
      if (failure) reject(failure);
      else resolve();
    };
    for (const m of messages) {
      const body = { alert: m.alert, enrichment: m.enrichment, normalized: m.normalized ?? null };
      try {
        channel.sendToQueue(
          queue,
          Buffer.from(JSON.stringify(body)),
          { persistent: true, contentType: "application/json", messageId: m.alert.alert_id },
          settle,
        );
      } catch (error) {
        // The channel is closed: amqplib throws instead of calling back.
        settle(error);
      }
    }
  });
}

function decode(content: Buffer): TriageMessage | null {
  try {
    const body: unknown = JSON.parse(content.toString("utf8"));
    if (!isJsonObject(body) || !isJsonObject(body.alert) || typeof body.alert.alert_id !== "string")
      return null;
    const m = body as unknown as TriageMessage & { normalized?: TriageMessage["normalized"] | null };
    return {
      alert: m.alert,
      enrichment: isJsonObject(body.enrichment) ? m.enrichment : {},
      ...(m.normalized ? { normalized: m.normalized } : {}),
    };
  } catch {
    return null;
  }
}
