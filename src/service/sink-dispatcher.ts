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
import type { StoreScope } from "../store/db.js";
import { type StoredAnomaly, toStoredAnomaly } from "../store/repos/anomalies.js";
import {
  backlogBySink,
  claimDeliveries,
  enqueueDeliveries,
  markDelivery,
} from "../store/repos/deliveries.js";
import { loadState, saveState } from "../store/repos/state.js";
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

/** Highest anomaly id already queued for the sinks; a restart queues what came after it. */
const WATERMARK_KEY = "sinks:anomaly-watermark";

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
 * attempts (`dead`), with backoff between tries. Everything is in the store, so a restart resumes
 * pending deliveries, and anomalies stored while the process was going down are queued at the next start.
 */
export class SinkDispatcher {
  readonly options: DispatcherOptions;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #kicked = false;
  /**
   * Hand-overs run one after another: the watermark then only passes ids whose rows are written, so a
   * crash can never leave an anomaly below the watermark without its deliveries.
   */
  #chain: Promise<void> = Promise.resolve();

  readonly db: Kysely<Database>;
  readonly #store: StoreScope;

  constructor(
    store: StoreScope,
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

  /** Catches up on anomalies stored since the last run, then starts delivering. */
  async start(): Promise<void> {
    const saved = await loadState(this.db, WATERMARK_KEY);
    if (typeof saved === "number") {
      const missed = await this.db
        .selectFrom("anomalies")
        .selectAll()
        .where("id", ">", saved)
        .orderBy("id")
        .execute();
      if (missed.length > 0) await this.#enqueue(missed.map(toStoredAnomaly));
    } else {
      // First start with sinks: history is not notified, only what happens from now on.
      const row = await this.db
        .selectFrom("anomalies")
        .select((eb) => eb.fn.max("id").as("max"))
        .executeTakeFirst();
      await saveState(this.db, WATERMARK_KEY, Number(row?.max ?? 0), this.#now());
    }
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Hook for `IngestPipeline.onAnomalies`: queues the anomalies (asynchronously) and wakes the loop. */
  notify(anomalies: readonly StoredAnomaly[]): void {
    this.#chain = this.#chain.then(() =>
      this.#enqueue(anomalies).catch((err: unknown) =>
        this.log.error({ err }, "queueing anomalies for the sinks failed; queued again at the next start"),
      ),
    );
  }

  async #enqueue(anomalies: readonly StoredAnomaly[]): Promise<void> {
    if (anomalies.length === 0 || this.sinks.length === 0) return;
    const now = this.#now();
    const rows: { anomaly: ReturnType<typeof toSinkAnomaly>; sink: string }[] = [];
    for (const a of anomalies) {
      const payload = toSinkAnomaly(a);
      for (const sink of this.sinks) {
        if (!routeMatches(sink.route, payload)) continue;
        rows.push({ anomaly: payload, sink: sink.name });
      }
    }
    await enqueueDeliveries(this.db, rows, now);
    for (const r of rows) {
      const sink = this.sinks.find((s) => s.name === r.sink)!;
      sinkEnqueued.inc({ sink: sink.name, type: sink.type });
    }
    const max = Math.max(...anomalies.map((a) => a.id));
    const saved = await loadState(this.db, WATERMARK_KEY);
    if (typeof saved !== "number" || max > saved) await saveState(this.db, WATERMARK_KEY, max, now);
    this.kick();
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

  /** Waits for queued hand-overs and the round in progress, then closes the sinks; pending rows stay for restart. */
  async stop(): Promise<void> {
    await this.#chain;
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
    for (const sink of this.sinks) await sink.close().catch(() => {});
  }
}
