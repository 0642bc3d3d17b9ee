import type { ChannelModel, ConfirmChannel, ConsumeMessage, Options } from "amqplib";

/**
 * Why a partition's owner moved a message to the dead-letter queue (the metric's `reason` label):
 * not a Logwarden hand-off, delivered too often without being acknowledged, or a batch that kept failing
 * while the store answered (a row PostgreSQL refuses).
 */
export type DeadLetterReason = "not_a_handoff" | "delivery_limit" | "batch_failed";
export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = [
  "not_a_handoff",
  "delivery_limit",
  "batch_failed",
];

/** Headers a dead letter carries beside the original message's own. */
export const DEAD_LETTER_HEADERS = {
  reason: "x-logwarden-dead-letter-reason",
  partition: "x-logwarden-partition",
  queue: "x-logwarden-queue",
  at: "x-logwarden-dead-lettered-at",
  /** The last error, for `batch_failed` (at most `MAX_ERROR_CHARS`). */
  error: "x-logwarden-error",
} as const;

const MAX_ERROR_CHARS = 1_000;

/** Where a dead letter came from and why. */
export interface DeadLetterOrigin {
  reason: DeadLetterReason;
  partition: number;
  at: Date;
  error?: string;
}

/**
 * Publishes dead letters on one confirm channel of the broker connection, opened at the first one and
 * opened again after it closes; `publish` resolves once the broker confirmed the copy.
 */
export class DeadLetterChannel {
  #channel: Promise<ConfirmChannel> | null = null;

  async publish(
    conn: ChannelModel,
    queue: string,
    msg: ConsumeMessage,
    origin: DeadLetterOrigin,
  ): Promise<void> {
    const ch = await this.#open(conn);
    await new Promise<void>((resolve, reject) => {
      ch.publish("", queue, msg.content, deadLetterOptions(msg, origin), (error: unknown) =>
        error ? reject(error instanceof Error ? error : new Error("dead letter not confirmed")) : resolve(),
      );
    });
  }

  /** The connection went: the channel with it. */
  forget(): void {
    this.#channel = null;
  }

  async close(): Promise<void> {
    const channel = this.#channel;
    this.#channel = null;
    await channel?.then((ch) => ch.close()).catch(() => {});
  }

  #open(conn: ChannelModel): Promise<ConfirmChannel> {
    if (this.#channel) return this.#channel;
    const opening = conn.createConfirmChannel().then((ch) => {
      ch.on("error", () => {});
      ch.on("close", () => {
        if (this.#channel === opening) this.#channel = null;
      });
      return ch;
    });
    opening.catch(() => {
      if (this.#channel === opening) this.#channel = null;
    });
    this.#channel = opening;
    return opening;
  }
}

/**
 * The original's properties and headers, with headers saying why, from which partition and queue and
 * when; but not `expiration` (a dead letter waits for a person) nor `userId` (the broker refuses one that
 * is not this connection's user).
 */
function deadLetterOptions(msg: ConsumeMessage, origin: DeadLetterOrigin): Options.Publish {
  const p = msg.properties;
  const options: Options.Publish = {
    persistent: true,
    headers: {
      ...(p.headers ?? {}),
      [DEAD_LETTER_HEADERS.reason]: origin.reason,
      [DEAD_LETTER_HEADERS.partition]: origin.partition,
      [DEAD_LETTER_HEADERS.queue]: msg.fields.routingKey,
      [DEAD_LETTER_HEADERS.at]: origin.at.toISOString(),
      ...(origin.error === undefined
        ? {}
        : { [DEAD_LETTER_HEADERS.error]: origin.error.slice(0, MAX_ERROR_CHARS) }),
    },
  };
  if (p.contentType !== undefined) options.contentType = p.contentType as string;
  if (p.contentEncoding !== undefined) options.contentEncoding = p.contentEncoding as string;
  if (p.messageId !== undefined) options.messageId = p.messageId as string;
  if (p.correlationId !== undefined) options.correlationId = p.correlationId as string;
  if (p.replyTo !== undefined) options.replyTo = p.replyTo as string;
  if (p.timestamp !== undefined) options.timestamp = p.timestamp as number;
  if (p.type !== undefined) options.type = p.type as string;
  if (p.appId !== undefined) options.appId = p.appId as string;
  if (p.priority !== undefined) options.priority = p.priority as number;
  return options;
}
