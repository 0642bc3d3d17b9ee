import type { ChannelModel, ConfirmChannel, Options } from "amqplib";
import type { RabbitmqSinkConfig } from "../config/sink-schema.js";
import type { DeliveryItem, DeliveryOutcome, Sink, SinkAnomaly } from "../core/sink.js";

/** `anomaly.{severity}.{detector}` → `anomaly.high.error_burst`. */
export function routingKeyFor(template: string, a: SinkAnomaly): string {
  return template
    .replaceAll("{severity}", a.severity)
    .replaceAll("{detector}", a.detector)
    .replaceAll("{service}", a.service ?? "unknown");
}

/**
 * RabbitMQ (amqplib): persistent JSON messages through a confirm channel, so a delivery counts once the
 * broker has taken responsibility for it. Messages are `mandatory`: one no queue is bound for comes
 * back from the broker and is a (retryable) failure instead of vanishing.
 */
export class RabbitmqSink implements Sink {
  readonly type = "rabbitmq";
  readonly batchSize = 100;
  readonly route: Sink["route"];
  readonly maxAttempts: number;
  #conn: ChannelModel | null = null;
  #channel: ConfirmChannel | null = null;
  readonly #returned = new Set<string>();

  constructor(
    readonly name: string,
    readonly config: RabbitmqSinkConfig,
  ) {
    this.route = config;
    this.maxAttempts = config.maxAttempts;
  }

  /**
   * The channel deliveries publish on. A failure after connecting (a declaration the broker refuses: an
   * exchange of another type, a missing permission) closes only the channel, so the connection is kept
   * and the next attempt opens a new channel on it instead of a new connection each time.
   */
  async #open(): Promise<ConfirmChannel> {
    if (this.#channel) return this.#channel;
    const conn = this.#conn ?? (await this.#connect());
    let ch: ConfirmChannel | null = null;
    try {
      ch = await conn.createConfirmChannel();
      const opened = ch;
      // A channel error is followed by its close; a listener must exist or amqplib throws it.
      opened.on("error", () => {});
      opened.on("close", () => {
        if (this.#channel === opened) this.#channel = null;
      });
      opened.on("return", (msg) => {
        if (msg.properties.messageId) this.#returned.add(String(msg.properties.messageId));
      });
      const { exchange, exchangeType, queue } = this.config;
      if (exchange !== "") await opened.assertExchange(exchange, exchangeType, { durable: true });
      if (queue) {
        await opened.assertQueue(queue, { durable: true });
        if (exchange !== "")
          await opened.bindQueue(queue, exchange, exchangeType === "topic" ? "#" : this.config.routingKey);
      }
    } catch (error) {
      // Refused declarations have closed the channel already; anything else leaves it to close here.
      await ch?.close().catch(() => {});
      throw error;
    }
    this.#channel = ch;
    return ch;
  }

  async #connect(): Promise<ChannelModel> {
    // amqplib loads with the first delivery, not at every start of a server without this sink.
    const { default: amqp } = await import("amqplib");
    const conn = await amqp.connect(this.config.url, { timeout: this.config.timeoutMs });
    const reset = () => {
      if (this.#conn === conn) {
        this.#conn = null;
        this.#channel = null;
      }
    };
    conn.on("error", reset);
    conn.on("close", reset);
    this.#conn = conn;
    return conn;
  }

  #publish(ch: ConfirmChannel, item: DeliveryItem, messageId: string): Promise<void> {
    const { exchange, queue } = this.config;
    const key = exchange === "" ? (queue ?? "") : routingKeyFor(this.config.routingKey, item.anomaly);
    const options: Options.Publish = {
      persistent: true,
      mandatory: true,
      contentType: "application/json",
      contentEncoding: "utf-8",
      messageId,
      type: "anomaly",
      timestamp: Math.floor(Date.now() / 1000),
      headers: { "x-logwarden-severity": item.anomaly.severity, "x-logwarden-attempt": item.attempt },
    };
    return new Promise((resolve, reject) => {
      ch.publish(exchange, key, Buffer.from(JSON.stringify(item.anomaly), "utf8"), options, (err) =>
        err ? reject(err instanceof Error ? err : new Error("message nacked by the broker")) : resolve(),
      );
    });
  }

  async deliver(items: readonly DeliveryItem[]): Promise<DeliveryOutcome[]> {
    let ch: ConfirmChannel;
    try {
      ch = await this.#open();
    } catch (error) {
      const outcome: DeliveryOutcome = {
        ok: false,
        error: `rabbitmq: ${(error as Error).message}`,
        retryable: true,
      };
      return items.map(() => outcome);
    }
    const ids = items.map((i) => `logwarden-anomaly-${i.anomaly.id}-d${i.deliveryId}-a${i.attempt}`);
    const settled = await Promise.allSettled(items.map((item, i) => this.#publish(ch, item, ids[i]!)));
    return settled.map((s, i): DeliveryOutcome => {
      const id = ids[i]!;
      if (this.#returned.delete(id))
        return {
          ok: false,
          error: "rabbitmq: unroutable (no queue bound for its routing key)",
          retryable: true,
        };
      if (s.status === "fulfilled") return { ok: true };
      return { ok: false, error: `rabbitmq: ${(s.reason as Error).message}`, retryable: true };
    });
  }

  async close(): Promise<void> {
    const conn = this.#conn;
    this.#conn = null;
    this.#channel = null;
    await conn?.close().catch(() => {});
  }
}
