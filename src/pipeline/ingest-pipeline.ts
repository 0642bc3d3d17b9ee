import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { BackpressureError } from "../core/errors.js";
import type { LogStore } from "../core/log-store.js";
import type { SubmissionRef } from "../core/source.js";
import type { Store, StoreTransaction } from "../store/db.js";
import { logsTableStore } from "../store/logs-table-store.js";
import type { StoredAnomaly } from "../store/repos/anomalies.js";
import { BatchRunner } from "./batch-runner.js";
import { IngestQueue } from "./ingest-queue.js";
import type {
  BatchTiming,
  IngestResult,
  PipelineListeners,
  PipelineOptions,
  PipelineStats,
  RecordSource,
  SubmissionExtras,
} from "./ingest-types.js";
import { PipelineTicks } from "./pipeline-ticks.js";
import type { Processor } from "./processor.js";
import { StateSaves } from "./state-saves.js";
import { SuppressionList } from "./suppressions.js";

export type {
  BatchTiming,
  IdempotentSubmission,
  IngestResult,
  PipelineOptions,
  PipelineStats,
  RecordSource,
  SubmissionExtras,
} from "./ingest-types.js";

/**
 * Ingest through a bounded queue: submissions are combined into batches, mined, written in one
 * transaction with their anomalies, and only then acknowledged, so whatever a caller saw succeed is on
 * disk. A full queue refuses new work (the HTTP layer answers 503 + Retry-After) instead of growing.
 */
export class IngestPipeline implements PipelineListeners {
  readonly stats: PipelineStats = {
    queuedRecords: 0,
    processedRecords: 0,
    batches: 0,
    rejectedSubmissions: 0,
    failedStateSaves: 0,
  };
  onAnomalies: ((anomalies: StoredAnomaly[]) => void) | undefined;
  /** Called after each committed batch; a set, so several observers (one per HTTP app) can listen. */
  readonly batchListeners = new Set<(timing: BatchTiming) => void>();
  /** False-positive verdicts in force: matching anomalies are dropped before they are stored. */
  readonly suppressions = new SuppressionList();
  /** Its parts: the state saves, the batch runner, the bounded queue and the ticks. */
  readonly #saves: StateSaves;
  readonly #runner: BatchRunner;
  readonly #queue: IngestQueue;
  readonly #ticks: PipelineTicks;

  constructor(
    readonly store: Store,
    readonly processor: Processor,
    readonly clock: Clock,
    readonly log: Logger,
    readonly options: PipelineOptions,
    /** Where the records go, in the batch's transaction; references it returns become `ParsedRecord.id`. */
    readonly logs: LogStore<StoreTransaction> = logsTableStore(store),
  ) {
    // A poison line can repeat by the thousand: the first failure of each stage is logged, then every
    // thousandth; `processor.quarantined` (on /metrics and /health) counts them all.
    processor.onQuarantine = (event) => {
      const count = processor.quarantined.get(event.stage) ?? 0;
      if (count === 1 || count % 1000 === 0)
        log.warn({ ...event, count }, "a stage failed on a record; it was set aside and the batch went on");
    };
    this.#saves = new StateSaves(store, processor, clock, log, options, this.stats);
    this.#runner = new BatchRunner(
      store,
      processor,
      clock,
      log,
      options,
      logs,
      this.suppressions,
      this.#saves,
      this.stats,
      this,
    );
    this.#queue = new IngestQueue(options, this.stats, this.#runner, this.#saves);
    this.#ticks = new PipelineTicks(
      store,
      processor,
      clock,
      options,
      this.suppressions,
      this.#saves,
      this.#runner,
      this.#queue,
      this,
    );
  }

  /** Restores miner and detector state saved by an earlier run. */
  async start(): Promise<void> {
    await this.#saves.restore();
    await this.#ticks.refreshSuppressions();
    this.#saves.restartInterval();
  }

  get accepting(): boolean {
    return this.#queue.accepting;
  }

  get depth(): number {
    return this.#queue.depth;
  }

  /**
   * The refusal a submission of `records` would get now, or null. With 0 records it asks whether anything
   * could be taken, which lets HTTP refuse before it reads and parses a body it would throw away.
   */
  refusal(records = 0): BackpressureError | null {
    return this.#queue.refusal(records);
  }

  submit(
    records: RecordSource,
    submission?: SubmissionRef,
    extras?: SubmissionExtras,
  ): Promise<IngestResult> {
    return this.#queue.submit(records, submission, extras);
  }

  /** Submissions that share a batch as far as the batch size allows (`IngestQueue.submitAll`). */
  submitAll(list: readonly { records: RecordSource; extras?: SubmissionExtras }[]): Promise<IngestResult>[] {
    return this.#queue.submitAll(list);
  }

  /** Resolves once everything submitted so far is committed or refused. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /**
   * Lets detectors judge intervals no record closed (silence), storing what they find like a batch's
   * anomalies, and saves the state and templates the last batches left unsaved. `serve` calls it on a timer.
   */
  tick(): Promise<StoredAnomaly[]> {
    return this.#ticks.tick();
  }

  /**
   * Saves touched templates and lineage, the state of the streams batches (or ticks) changed since the
   * last save, and the shared state, each row tagged with the last committed batch (`StateSaves.saveState`).
   * Throws when the save fails.
   */
  saveState(): Promise<void> {
    return this.#saves.saveState();
  }

  /** Stops accepting, processes everything already queued, and saves state. */
  async stop(): Promise<void> {
    this.#queue.close();
    while (this.#queue.running) await this.#queue.running;
    await this.#saves.saveState();
  }
}
