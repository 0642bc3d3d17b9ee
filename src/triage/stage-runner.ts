import type { Logger } from "pino";
import type { StageName, TriageMessage } from "./types.js";

/** A stage's work on a batch: persist its results, return the messages for the next stage. */
export type StageHandler = (batch: TriageMessage[]) => Promise<TriageMessage[]>;

export interface StageOptions {
  batchSize: number;
  /** Attempts per alert before dead-letter (the failed batch attempt counts as the first). */
  maxAttempts: number;
  retryBaseMs: number;
  log: Logger;
  /** Writes the dead-letter state; called once an alert used up its attempts. */
  deadLetter(message: TriageMessage, error: string, attempts: number): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one stage over an in-process queue: batches of up to `batchSize` alerts in one handler call
 * (one transaction), so the chain keeps up with bursts. A failed batch is split and each alert retried
 * alone with exponential backoff, so one bad alert goes to dead-letter without holding up the others.
 */
export class StageRunner {
  readonly #queue: TriageMessage[] = [];
  /**
   * Broker callbacks: `true` once a message's batch is persisted and handed on (or dead-lettered), `false`
   * when the hand-off failed and the message should be delivered again.
   */
  readonly #done = new WeakMap<TriageMessage, (handled: boolean) => void>();
  /** Copies of an alert left out of a batch that already holds it: settled as the copy that ran is. */
  readonly #copies = new WeakMap<TriageMessage, TriageMessage[]>();
  #active: Promise<void> | null = null;
  #started = false;
  #stopped = false;
  /**
   * Set by the service: where this stage's output goes (the next stage's queue). Awaited before the input
   * is acknowledged: a broker's confirmation of the hand-off comes first.
   */
  next: ((messages: TriageMessage[]) => Promise<void>) | null = null;
  processed = 0;
  deadLettered = 0;
  lastError: string | null = null;
  /** Milliseconds spent in the handler (stats and the benchmark's per-stage split). */
  busyMs = 0;

  constructor(
    readonly name: StageName,
    readonly queueName: string,
    private readonly handler: StageHandler,
    private readonly options: StageOptions,
  ) {}

  /** The contract's startup phrases (§2.2), which operators grep for. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.options.log.info({ stage: this.name, queue: this.queueName }, "✓ Message consumer connected");
    this.options.log.info({ stage: this.name, queue: this.queueName }, "✓ Message consumer task started");
  }

  get healthy(): boolean {
    return this.#started && !this.#stopped;
  }

  get depth(): number {
    return this.#queue.length;
  }

  get busy(): boolean {
    return this.#active !== null || this.#queue.length > 0;
  }

  push(messages: TriageMessage[], done?: (handled: boolean) => void): void {
    if (messages.length === 0) return;
    for (const m of messages) {
      this.#queue.push(m);
      if (done) this.#done.set(m, done);
    }
    this.#kick();
  }

  /** Resolves when the queue is empty and nothing is running. */
  async settled(): Promise<void> {
    while (this.#active) await this.#active;
  }

  async stop(): Promise<void> {
    await this.settled();
    this.#stopped = true;
  }

  #kick(): void {
    if (this.#active || !this.#started) return;
    this.#active = this.#drain().finally(() => {
      this.#active = null;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    const { log, batchSize } = this.options;
    while (this.#queue.length > 0) {
      const batch = this.#withoutCopies(this.#queue.splice(0, batchSize));
      for (const m of batch)
        log.info({ stage: this.name }, `Processing message ${m.alert.alert_id || "unknown"}`);
      let out: TriageMessage[];
      try {
        const t0 = performance.now();
        out = await this.handler(batch);
        this.busyMs += performance.now() - t0;
        this.processed += batch.length;
      } catch (error) {
        const reason = reasonOf(error);
        log.error({ stage: this.name, alerts: batch.length }, `Error processing message: ${reason}`);
        await this.#isolate(batch, reason);
        continue;
      }
      await this.#handOn(batch, out);
    }
  }

  /**
   * Passes a persisted batch's output to the next stage, then acknowledges its input. A hand-off that
   * fails is the broker's trouble, not the alerts': they are given back unacknowledged (the broker sends
   * them again, and the stages' writes are idempotent), never dead-lettered.
   */
  async #handOn(input: TriageMessage[], out: TriageMessage[]): Promise<void> {
    try {
      await this.next?.(out);
    } catch (error) {
      this.lastError = reasonOf(error);
      this.options.log.error(
        { stage: this.name, alerts: input.length, err: this.lastError },
        "could not hand the batch to the next stage; it is given back to the queue",
      );
      this.#settle(input, false);
      return;
    }
    this.#settle(input, true);
  }

  async #isolate(batch: TriageMessage[], firstReason: string): Promise<void> {
    const { maxAttempts, retryBaseMs, log } = this.options;
    for (const message of batch) {
      let attempt = 1;
      let reason: string | null = firstReason;
      let out: TriageMessage[] = [];
      while (attempt < maxAttempts) {
        await sleep(retryBaseMs * 2 ** (attempt - 1));
        attempt++;
        try {
          out = await this.handler([message]);
          this.processed++;
          reason = null;
          break;
        } catch (error) {
          reason = reasonOf(error);
          log.error(
            { stage: this.name, alert_id: message.alert.alert_id, attempt },
            `Error processing message: ${reason}`,
          );
        }
      }
      if (reason === null) {
        await this.#handOn([message], out);
        continue;
      }
      this.lastError = reason;
      this.deadLettered++;
      await this.options
        .deadLetter(message, reason, attempt)
        .catch((e: unknown) =>
          log.error({ err: e, alert_id: message.alert.alert_id }, "could not record the dead-letter state"),
        );
      this.#settle([message], true);
    }
  }

  /**
   * One message per alert in a batch. A broker can hold an alert twice in one queue (a node handed a batch
   * on and died before acknowledging its input, so another node did that stage again), and both copies may
   * land in one batch: one transaction would then write the alert's rows twice, with no earlier row for
   * the stage's replace to remove. The later copy runs; the others are settled with it.
   */
  #withoutCopies(batch: TriageMessage[]): TriageMessage[] {
    const byAlert = new Map<string, TriageMessage>();
    const out: TriageMessage[] = [];
    for (let i = batch.length - 1; i >= 0; i--) {
      const m = batch[i]!;
      const id = m.alert.alert_id;
      const kept = id ? byAlert.get(id) : undefined;
      if (kept) {
        const copies = this.#copies.get(kept);
        if (copies) copies.push(m);
        else this.#copies.set(kept, [m]);
        continue;
      }
      if (id) byAlert.set(id, m);
      out.push(m);
    }
    return out.reverse();
  }

  /** Calls each message's broker callback: `handled` acknowledges it, otherwise it goes back to the queue. */
  #settle(messages: TriageMessage[], handled: boolean): void {
    for (const m of messages) {
      const copies = this.#copies.get(m);
      if (copies) {
        this.#copies.delete(m);
        this.#settle(copies, handled);
      }
      const done = this.#done.get(m);
      if (!done) continue;
      this.#done.delete(m);
      done(handled);
    }
  }
}
