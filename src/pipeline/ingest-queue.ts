import { setImmediate as nextTurn } from "node:timers/promises";
import { BackpressureError } from "../core/errors.js";
import type { SubmissionRef } from "../core/source.js";
import type { BatchRunner } from "./batch-runner.js";
import type {
  IngestResult,
  PipelineOptions,
  PipelineStats,
  RecordSource,
  Submission,
  SubmissionExtras,
} from "./ingest-types.js";
import type { StateSaves } from "./state-saves.js";

/** Longest a batch should hold the event loop, at the measured rate (a batch takes one submission at least). */
const BATCH_BUDGET_MS = 50;

/**
 * The ingest pipeline's bounded queue: admission (a submission the queue has no room or time for is
 * refused with a BackpressureError carrying its Retry-After), and the drain loop, which takes submissions
 * in batches to the batch runner and measures the rate it drains at.
 */
export class IngestQueue {
  readonly #queue: Submission[] = [];
  #queued = 0;
  #running: Promise<void> | null = null;
  #accepting = true;
  /** Records stored per second while the drain loop has work, smoothed over batches; 0 until measured. */
  #drainRate = 0;

  constructor(
    readonly options: PipelineOptions,
    readonly stats: PipelineStats,
    readonly runner: BatchRunner,
    readonly saves: StateSaves,
  ) {}

  /** The drain loop while it runs (or a partition's tick in its place, `occupy`), else null. */
  get running(): Promise<void> | null {
    return this.#running;
  }

  /** Refuses every submission from now on (`IngestPipeline.stop`). */
  close(): void {
    this.#accepting = false;
  }

  /**
   * Runs `work` in the drain loop's place: no batch starts until it has settled, and the loop starts
   * again then if submissions came in meanwhile (a cluster partition's tick, `PipelineTicks`).
   */
  occupy(work: Promise<unknown>): void {
    this.#running = work
      .then(
        () => {},
        () => {},
      )
      .finally(() => {
        this.#running = null;
        if (this.#queue.length > 0) this.#kick();
      });
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  get depth(): number {
    return this.#queued;
  }

  /**
   * The refusal a submission of `records` would get now, or null. With 0 records it asks whether anything
   * could be taken, which lets HTTP refuse before it reads and parses a body it would throw away.
   */
  refusal(records = 0): BackpressureError | null {
    if (!this.#accepting) return new BackpressureError(5);
    // One oversized submission is still taken when the queue is empty, so a big valid body never starves.
    if (this.#queued === 0) return null;
    const overCap = this.#queued + records - this.options.queueRecords;
    const maxWait = this.options.queueMaxWaitSecs;
    const overWait =
      maxWait > 0 && this.#drainRate > 0 ? (this.#queued + records) / this.#drainRate - maxWait : 0;
    if (overCap <= 0 && overWait <= 0) return null;
    // Retry once the queue is expected to be back under both bounds.
    const secs = Math.max(overWait, this.#drainRate > 0 ? overCap / this.#drainRate : 1);
    return new BackpressureError(Math.min(60, Math.max(1, Math.ceil(secs))));
  }

  submit(
    records: RecordSource,
    submission?: SubmissionRef,
    extras?: SubmissionExtras,
  ): Promise<IngestResult> {
    const result = this.#enqueue(records, submission, extras);
    if (this.#queue.length > 0) this.#kick();
    return result;
  }

  /**
   * Several submissions queued before the loop looks (it takes what is queued when it starts), so that
   * they share a batch as far as the batch size allows; each is refused or answered on its own.
   */
  submitAll(list: readonly { records: RecordSource; extras?: SubmissionExtras }[]): Promise<IngestResult>[] {
    const out = list.map(({ records, extras }) => this.#enqueue(records, undefined, extras));
    if (this.#queue.length > 0) this.#kick();
    return out;
  }

  /** Queues a submission (the caller starts the loop), or answers at once: nothing to do, or refused. */
  #enqueue(
    records: RecordSource,
    submission: SubmissionRef | undefined,
    extras: SubmissionExtras | undefined,
  ): Promise<IngestResult> {
    if (records.length === 0 && this.#accepting)
      return Promise.resolve({ records: [], refs: [], anomalies: [] });
    const refusal = this.refusal(records.length);
    if (refusal) {
      if (this.#accepting) this.stats.rejectedSubmissions++;
      return Promise.reject(refusal);
    }
    return new Promise<IngestResult>((resolve, reject) => {
      this.#queue.push({
        records,
        submission,
        handoffId: extras?.handoffId,
        idempotent: extras?.idempotent,
        resolve,
        reject,
      });
      this.#queued += records.length;
      this.stats.queuedRecords = this.#queued;
    });
  }

  /** Resolves once everything submitted so far is committed or refused. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /**
   * Starts the drain loop unless it runs. A submission that lands after the loop saw an empty queue but
   * before it finished would otherwise wait forever, hence the re-check when the loop ends.
   */
  #kick(): void {
    if (this.#running) return;
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  /**
   * Records per batch: INGEST_BATCH_SIZE, or fewer when the measured rate says a batch would hold the
   * event loop longer than BATCH_BUDGET_MS (a batch is synchronous work). Under overload on a loaded
   * 2-core machine a 2,000-record batch held it ~200 ms, and `/health/live` waited behind each.
   */
  #batchLimit(): number {
    if (this.#drainRate === 0) return this.options.batchSize;
    const fitting = Math.floor((this.#drainRate * BATCH_BUDGET_MS) / 1000);
    return Math.max(1, Math.min(this.options.batchSize, fitting));
  }

  async #drain(): Promise<void> {
    let since = performance.now();
    while (this.#queue.length > 0) {
      const batch: Submission[] = [];
      let size = 0;
      while (
        this.#queue.length > 0 &&
        (batch.length === 0 || size + this.#queue[0]!.records.length <= this.#batchLimit())
      ) {
        const next = this.#queue.shift()!;
        batch.push(next);
        size += next.records.length;
      }
      try {
        // Settled here, in the loop's own turn, as before isolation: a submitter's continuation then runs
        // after this loop has scheduled its next turn, so its `tick` sees the loop still running.
        for (const settle of await this.runner.processIsolating(batch)) settle();
      } finally {
        this.#queued -= size;
        this.stats.queuedRecords = this.#queued;
      }
      if (this.saves.saveDue()) await this.saves.periodicSave();
      // A batch is synchronous work (SQLite is too), and awaiting settled promises never lets the event
      // loop take I/O: without this turn, queued batches ran back to back and /health/live waited ~1 s.
      await nextTurn();
      // Wall time from batch to batch, so the rate includes the HTTP work the loop does in between.
      const now = performance.now();
      const rate = (size * 1000) / Math.max(1, now - since);
      this.#drainRate = this.#drainRate === 0 ? rate : 0.7 * this.#drainRate + 0.3 * rate;
      since = now;
    }
  }
}
