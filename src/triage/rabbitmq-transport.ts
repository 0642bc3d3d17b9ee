import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from "amqplib";
import type { Logger } from "pino";
import { isJsonObject } from "../core/json.js";
import { CONSUMERS, type ConsumerStage, type TriageService } from "./service.js";
import type { TriageMessage } from "./types.js";

/**
 * RabbitMQ between the stages (TRIAGE_TRANSPORT=rabbitmq), on the contract's queues (§2.2): `alert.raw`,
 * `alert.normalized`, then our `alert.enriched` and `alert.intel`. Messages are persistent JSON
 * `{"alert", "enrichment", "normalized"}`; each is acknowledged only once its stage has persisted it and
 * published it on, so a crash redelivers rather than loses (stage writes are idempotent upserts/replaces).
 */
export class RabbitmqTransport {
  #conn: ChannelModel | null = null;
  #channel: Channel | null = null;
  #connected = false;
  readonly #tags: string[] = [];

  constructor(
    private readonly url: string,
    private readonly triage: TriageService,
    private readonly log: Logger,
  ) {}

  get connected(): boolean {
    return this.#connected;
  }

  async start(): Promise<void> {
    const conn = await amqp.connect(this.url, { timeout: 10_000 });
    const channel = await conn.createChannel();
    const down = () => {
      this.#connected = false;
    };
    conn.on("close", down);
    conn.on("error", (error: unknown) => {
      down();
      this.log.error({ err: error }, "triage broker connection failed");
    });
    await channel.prefetch(this.triage.deps.config.batchSize);
    const queueOf = new Map<ConsumerStage, string>();
    const prefix = this.triage.deps.config.queuePrefix;
    for (const [stage, name] of CONSUMERS) {
      const queue = `${prefix}${name}`;
      await channel.assertQueue(queue, { durable: true });
      queueOf.set(stage, queue);
    }
    this.#conn = conn;
    this.#channel = channel;
    this.#connected = true;
    this.triage.transportOk = () => this.#connected;
    this.triage.route = (stage, messages) => {
      const queue = queueOf.get(stage)!;
      for (const m of messages) {
        const body = { alert: m.alert, enrichment: m.enrichment, normalized: m.normalized ?? null };
        channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), {
          persistent: true,
          contentType: "application/json",
          messageId: m.alert.alert_id,
        });
      }
    };
    for (const [stage] of CONSUMERS) {
      const queue = queueOf.get(stage)!;
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
        runner.push([message], () => channel.ack(msg));
      });
      this.#tags.push(consumerTag);
      // The contract's phrases (§2.2): consumer connected, then its loop running.
      runner.start();
    }
  }

  async close(): Promise<void> {
    const channel = this.#channel;
    if (channel) for (const tag of this.#tags) await channel.cancel(tag).catch(() => {});
    await this.triage.idle();
    this.#connected = false;
    await channel?.close().catch(() => {});
    await this.#conn?.close().catch(() => {});
  }
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
