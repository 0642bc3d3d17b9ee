import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.js";
import type { DeliveryItem, DeliveryOutcome, Sink } from "../core/sink.js";
import { routeMatches } from "../core/sink.js";
import type { SourceLog } from "../core/source.js";
import { isoUtc } from "../core/time.js";
import { sinkBacklog, sinkDeliveries, sinkEnqueued } from "../sinks/metrics.js";
import { toSinkAnomaly } from "../sinks/payload.js";
import type { Store } from "../store/db.js";
import { type StoredAnomaly, toStoredAnomaly } from "../store/repos/anomalies.js";
import {
  backlogBySink,
  claimDeliveries,
  enqueueDeliveries,
  markDelivery,
} from "../store/repos/deliveries.js";
import {
  adoptSinkHistory,
  hasUnqueuedAnomalies,
  markAnomaliesQueued,
  takeUnqueuedAnomalies,
} from "../store/repos/sink-queue.js";
import type { Database } from "../store/schema.js";

export interface DispatcherOptions {
  /** How often due retries are looked for when nothing new arrives. */
  pollMs: number;
  /** First retry delay; doubles per attempt up to `maxDelayMs`, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  random: () => number;
  /**
   * How long a claimed delivery is this process's to send. Past it, another process takes the delivery
   * over (this one is presumed dead), so it must outlast a sink's slowest `deliver` (timeouts are 10 s
   * per request by default, and a batch may hold several).
   */
  leaseMs: number;
  /** Names this process in `deliveries.claimed_by`. */
  owner: string;
}

const DEFAULTS: DispatcherOptions = {
  pollMs: 1_000,
  baseDelayMs: 1_000,
  maxDelayMs: 300_000,
  random: Math.random,
  leaseMs: 300_000,
  owner: "",
};

/** Anomalies queued per transaction: keeps SQLite's write lock short when a backlog is caught up. */
const QUEUE_BATCH = 500;

/**
 * Exponential backoff with "equal jitter": half the exponential delay, plus a random part of the other
 * half, so retries of many deliveries spread out instead of hitting a recovering receiver together.
 */
export function backoffMs(
  attempt: number,
  options: Pick<DispatcherOptions, "baseDelayMs" | "maxDelayMs" | "random">,
): number {
  const exp = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + options.random() * (exp / 2));
}

/**
 * Delivers new anomalies to the sinks through the `deliveries` table: an anomaly is queued for every sink
 * whose route matches, each delivery is tried until it succeeds, fails permanently, or runs out of
 * attempts (`dead`), with backoff between tries. Everything is in the store: what is left to queue is the
 * anomalies not marked queued (repos/sink-queue.ts), whichever process stored them and whenever they
 * committed, so a restart, another process's anomalies and a failed hand-over are all caught up the same
 * way: at start, after each batch's anomalies, and at every poll.
 */
export class SinkDispatcher {
  readonly options: DispatcherOptions;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #kicked = false;

  readonly db: Kysely<Database>;
  readonly #store: Store;

  constructor(
    store: Store,
    readonly sinks: readonly Sink[],
    readonly clock: Clock,
    readonly log: SourceLog,
    options: Partial<DispatcherOptions> = {},
  ) {
    this.db = store.db;
    this.#store = store;
    this.options = {
      ...DEFAULTS,
      ...options,
      owner: options.owner || `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    };
  }

  #now(): string {
    return isoUtc(this.clock.now());
  }

  /**
   * Catches up on anomalies not yet queued, then starts delivering. The first start with sinks on a store
   * queues nothing that was stored before it (history is not notified), and a store that kept the old
   * watermark counts the anomalies up to it as queued (`adoptSinkHistory`).
   */
  async start(): Promise<void> {
    if (this.sinks.length === 0) return;
    const history = await adoptSinkHistory(this.#store, this.#now());
    if (history === "first-start")
      this.log.info(
        { history },
        "first start of sinks on this store: anomalies stored before now are not sent",
      );
    else if (history === "from-watermark")
      this.log.info(
        { history },
        "the sinks' anomaly watermark is converted: anomalies up to it count as queued",
      );
    // The loop's first round queues them as well: a failure here is logged and tried again there,
    // rather than stopping the start.
    await this.#queuePending().catch((err: unknown) =>
      this.log.error({ err }, "queueing anomalies for the sinks failed; trying again at the next poll"),
    );
    this.#running = true;
    this.#loop = this.#run();
  }

  /**
   * Hook for `IngestPipeline.onAnomalies`: the anomalies are committed, so the next round queues them. It
   * reads them back from the store rather than taking these objects: the mark on the row decides what is
   * left to queue, and the row is the anomaly's latest form.
   */
  notify(anomalies: readonly StoredAnomaly[]): void {
    if (anomalies.length > 0) this.kick();
  }

  /**
   * Queues every anomaly not yet queued for each sink whose route matches and marks it queued, in one
   * transaction per `QUEUE_BATCH` anomalies: a crash leaves an anomaly with its deliveries and its mark,
   * or with neither, to be queued again. Two processes doing this at once take different anomalies.
   */
  async #queuePending(): Promise<void> {
    if (this.sinks.length === 0 || !(await hasUnqueuedAnomalies(this.db))) return;
    for (;;) {
      const now = this.#now();
      const { taken, queued } = await this.#store.transaction(async (tx) => {
        const rows = await takeUnqueuedAnomalies(tx, QUEUE_BATCH);
        const deliveries: { anomaly: ReturnType<typeof toSinkAnomaly>; sink: string }[] = [];
        for (const row of rows) {
          const payload = toSinkAnomaly(toStoredAnomaly(row));
          for (const sink of this.sinks)
            if (routeMatches(sink.route, payload)) deliveries.push({ anomaly: payload, sink: sink.name });
        }
        // A repeat is routed again, but a sink that has its delivery keeps that one (unique per pair).
        const queued = await enqueueDeliveries(tx.db, deliveries, now);
        await markAnomaliesQueued(
          tx,
          rows.map((r) => r.id),
          now,
        );
        return { taken: rows.length, queued };
      });
      for (const name of queued) {
        const sink = this.sinks.find((s) => s.name === name)!;
        sinkEnqueued.inc({ sink: sink.name, type: sink.type });
      }
      // Fewer than asked: the rest is queued, or another process holds it and queues it.
      if (taken < QUEUE_BATCH) return;
    }
  }

  /** Looks for due deliveries now instead of at the next poll. */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      this.#kicked = false;
      try {
        await this.#queuePending();
      } catch (err) {
        this.log.error({ err }, "queueing anomalies for the sinks failed; trying again at the next poll");
      }
      try {
        await this.runOnce();
      } catch (err) {
        this.log.error({ err }, "delivering to sinks failed; retrying");
      }
      if (!this.#running) break;
      if (this.#kicked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  /** One round: every sink, concurrently, works through the deliveries that are due. */
  async runOnce(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => this.#drainSink(sink)));
    const backlog = await backlogBySink(this.db);
    for (const sink of this.sinks)
      sinkBacklog.set({ sink: sink.name, type: sink.type }, backlog.get(sink.name) ?? 0);
  }

  async #drainSink(sink: Sink): Promise<void> {
    for (;;) {
      // Claimed before sending: another process working through the same table skips these.
      const due = await claimDeliveries(this.#store, {
        sink: sink.name,
        owner: this.options.owner,
        now: this.#now(),
        leaseUntil: isoUtc(this.clock.now() + this.options.leaseMs),
        limit: sink.batchSize,
      });
      if (due.length === 0) return;
      const items: DeliveryItem[] = due.map((d) => ({
        deliveryId: d.id,
        attempt: d.attempts + 1,
        anomaly: d.anomaly,
      }));
      let outcomes: DeliveryOutcome[];
      try {
        outcomes = await sink.deliver(items);
      } catch (error) {
        outcomes = items.map(() => ({ ok: false, error: (error as Error).message, retryable: true }));
      }
      const now = this.#now();
      for (const [i, d] of due.entries()) {
        const outcome = outcomes[i] ?? { ok: false, error: "no outcome from the sink", retryable: true };
        const attempts = d.attempts + 1;
        const labels = { sink: sink.name, type: sink.type };
        if (outcome.ok) {
          await this.#mark(d.id, { status: "delivered", attempts, lastError: null }, now);
          sinkDeliveries.inc({ ...labels, outcome: "delivered" });
        } else if (!outcome.retryable || attempts >= sink.maxAttempts) {
          await this.#mark(d.id, { status: "dead", attempts, lastError: outcome.error }, now);
          sinkDeliveries.inc({ ...labels, outcome: "dead" });
          this.log.error(
            { sink: sink.name, anomaly: d.anomaly_id, attempts, error: outcome.error },
            "anomaly delivery gave up (dead); it stays in the deliveries table",
          );
        } else {
          const next = isoUtc(this.clock.now() + backoffMs(attempts, this.options));
          await this.#mark(
            d.id,
            { status: "failed", attempts, lastError: outcome.error, nextAttemptAt: next },
            now,
          );
          sinkDeliveries.inc({ ...labels, outcome: "failed" });
          this.log.warn(
            { sink: sink.name, anomaly: d.anomaly_id, attempts, next, error: outcome.error },
            "anomaly delivery failed; will retry",
          );
        }
      }
      // Whatever failed now is not due again in this round, so the loop ends when only retries remain.
    }
  }

  async #mark(id: number, update: Parameters<typeof markDelivery>[3], now: string): Promise<void> {
    if (!(await markDelivery(this.db, id, this.options.owner, update, now)))
      // Our lease ran out during the send and another process took the delivery over: its result stands.
      this.log.warn({ delivery: id, owner: this.options.owner }, "delivery claim lost to another process");
  }

  /**
   * Waits for the round in progress, queues what the last batches stored, then closes the sinks; pending
   * deliveries stay for the next start (or another process).
   */
  async stop(): Promise<void> {
    const wasRunning = this.#running;
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
    if (wasRunning)
      await this.#queuePending().catch((err: unknown) =>
        this.log.error({ err }, "queueing anomalies for the sinks failed; queued at the next start"),
      );
    for (const sink of this.sinks) await sink.close().catch(() => {});
  }
}
