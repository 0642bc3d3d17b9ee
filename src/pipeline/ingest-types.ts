import type { Kysely } from "kysely";
import type { LogRecord, ParsedRecord } from "../core/log-record.js";
import type { SubmissionRef } from "../core/source.js";
import type { StoredAnomaly } from "../store/repos/anomalies.js";
import type { Database } from "../store/schema.js";
import type { PartitionOwnership } from "./partition-ownership.js";

/**
 * What the ingest pipeline (`IngestPipeline`, ingest-pipeline.ts) takes, gives back and reports, shared by
 * its parts: the queue (ingest-queue.ts), the batch runner (batch-runner.ts), the state saves
 * (state-saves.ts) and the ticks (pipeline-ticks.ts).
 */

/**
 * The records of one submission: an array, or records made only when the pipeline reads them. The
 * pipeline reads each submission once, in order, slice by slice (`/ingest` decodes a body's logs there, so
 * no record waits in the queue).
 */
export interface RecordSource {
  readonly length: number;
  slice(start: number, end: number): readonly LogRecord[];
  /**
   * False: the submitter reads `IngestResult.refs` only, so the pipeline keeps no record once it is
   * stored and detected (`records` comes back empty). Arrays leave it unset and get their records.
   */
  readonly keepRecords?: boolean;
  /**
   * Asks the source to keep what it reads so that `rewind` can read it again. Called before the first
   * `slice` when the submission shares its batch with others (poison isolation,
   * `BatchRunner.processIsolating`): sources that let what they read go at once, to spare the garbage
   * collector, keep it only when asked.
   */
  keepForReplay?(): void;
  /** Reads again from the first record; after `keepForReplay`. Arrays need neither: they can be read again. */
  rewind?(): void;
}

export interface IngestResult {
  /** The records as mined and stored; empty when the source said it does not keep them (`keepRecords`). */
  records: ParsedRecord[];
  /** Each record's reference in the log store, in submission order (empty for a cluster hand-off). */
  refs: number[];
  /** Anomalies this submission's records raised (new rows and merged repeats). */
  anomalies: StoredAnomaly[];
}

export interface PipelineOptions {
  /** Records waiting to be processed before `submit` refuses with a BackpressureError. */
  queueRecords: number;
  /**
   * Longest a new submission may expect to wait for the records queued before it, at the measured drain
   * rate, before `submit` refuses it (0: only `queueRecords` bounds the queue). Senders time out (OTLP
   * exporters after 10 s) and send again, so a queue deeper than that only turns into duplicates.
   */
  queueMaxWaitSecs: number;
  /** Records processed per store transaction. */
  batchSize: number;
  /** How often miner and detector state is saved (it is also saved at stop). */
  stateSaveIntervalMs: number;
  /** Set when this pipeline is one cluster partition's (src/distribution). */
  ownership?: PartitionOwnership;
}

/**
 * A submission sent with an `Idempotency-Key` (src/service/idempotent-requests.ts): sent again, it must be
 * stored once, wherever it lands.
 */
export interface IdempotentSubmission {
  /**
   * Names the submission and its content, the same at every attempt: a cluster's hand-off message ids
   * derive from it, so the partitions' owners take a resent hand-off for the one they committed.
   */
  readonly key: string;
  /**
   * On the node that stores the records: writes the key in the transaction that commits them, given
   * what they raised. Throws when the key is taken already, so the records are not committed.
   */
  withRecords(trx: Kysely<Database>, result: IngestResult): Promise<void>;
}

/** What a submission may carry besides its records. */
export interface SubmissionExtras {
  /** The cluster hand-off message the records came in (`PartitionOwnership.handoffsDone`). */
  handoffId?: string;
  idempotent?: IdempotentSubmission;
}

/** A submission waiting in the queue (`IngestQueue`), then in a batch (`BatchRunner`). */
export interface Submission {
  records: RecordSource;
  /** A source's numbered submission, recorded with the rows (crash settlement, `SubmissionRef`). */
  submission: SubmissionRef | undefined;
  /** The cluster hand-off message the records came in (`PartitionOwnership.handoffsDone`). */
  handoffId: string | undefined;
  /** Its key's row is written in the batch's transaction (`IdempotentSubmission.withRecords`). */
  idempotent: IdempotentSubmission | undefined;
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

export interface PipelineStats {
  queuedRecords: number;
  processedRecords: number;
  batches: number;
  rejectedSubmissions: number;
  /** Periodic state saves that failed (each is retried at the next interval). */
  failedStateSaves: number;
}

/** What one processed batch cost, stage by stage (for metrics); `store` excludes detection time. */
export interface BatchTiming {
  records: number;
  anomalies: readonly StoredAnomaly[];
  mineSecs: number;
  detectSecs: number;
  storeSecs: number;
}

/** Who hears of committed batches and stored anomalies: the pipeline's `onAnomalies` and `batchListeners`. */
export interface PipelineListeners {
  onAnomalies: ((anomalies: StoredAnomaly[]) => void) | undefined;
  readonly batchListeners: Set<(timing: BatchTiming) => void>;
}
