import { setImmediate as nextTurn } from "node:timers/promises";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import { BackpressureError } from "../core/errors.js";
import type { JsonValue } from "../core/json.js";
import type { LogRecord, ParsedRecord } from "../core/log-record.js";
import type { LogStore, RecordAppender } from "../core/log-store.js";
import type { SubmissionRef } from "../core/source.js";
import { isoUtc } from "../core/time.js";
import type { Store, StoreTransaction } from "../store/db.js";
import { logsTableStore } from "../store/logs-table-store.js";
import { type StoredAnomaly, storeAnomalies } from "../store/repos/anomalies.js";
import { forgetBatchesBefore, lastBatchId, recordBatch } from "../store/repos/ingest-batches.js";
import { loadPartitionStatesUnder, savePartitionStates } from "../store/repos/partition-state.js";
import { deleteState, loadState } from "../store/repos/state.js";
import { addSuppressedCounts } from "../store/repos/suppression-list.js";
import { insertRetiredTemplates, saveTemplates } from "../store/repos/templates.js";
import { activeSuppressions, asSuppression } from "../store/repos/verdicts.js";
import type { Database } from "../store/schema.js";
import {
  exportShared,
  exportStreams,
  importPartitions,
  knownStreams,
  takeChangedStreams,
} from "./partition-state.js";
import type { Processor } from "./processor.js";
import { BatchTemplates } from "./retired-templates.js";
import { SuppressionList } from "./suppressions.js";

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
   * `slice` when the submission shares its batch with others (poison isolation, `#processIsolating`):
   * sources that let what they read go at once, to spare the garbage collector, keep it only when asked.
   */
  keepForReplay?(): void;
  /** Reads again from the first record; after `keepForReplay`. Arrays need neither: they can be read again. */
  rewind?(): void;
}

/** Whether a source's records can be read again after a failed batch (arrays, and sources that rewind). */
function canReplay(records: RecordSource): boolean {
  return Array.isArray(records) || records.rewind !== undefined;
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

/** State rows of cluster partitions start with this; a node's own pipeline leaves them alone. */
export const CLUSTER_STATE_PREFIX = "cluster/";

/**
 * What a partition's pipeline on a cluster node does besides the usual: it keeps its state under rows of
 * its own, saves it in every batch's transaction (a node that takes the partition over then starts from
 * exactly the committed batches), and proves in each transaction that it still owns the partition.
 */
export interface PartitionOwnership {
  /** Prefix of this partition's state rows (`cluster/p7/`): `stream:<name>` and `shared` follow it. */
  statePrefix: string;
  /** Runs first in every transaction that writes; throws when this node no longer owns the partition. */
  fence(trx: Kysely<Database>): Promise<void>;
  /** Runs in a batch's transaction with the hand-off messages whose records the batch holds. */
  handoffsDone(trx: Kysely<Database>, ids: readonly string[]): Promise<void>;
}

/** What a save takes off the pipeline's marks: written in a transaction, or put back when that fails. */
interface PendingSave {
  touched: ReturnType<Processor["miner"]["templates"]>;
  lineage: ReturnType<Processor["takeLineage"]>;
  rows: { partition: string; value: JsonValue; batchId: number }[];
  legacy: boolean;
  batchId: number;
  restore(): void;
}

interface Submission {
  records: RecordSource;
  /** A source's numbered submission, recorded with the rows (crash settlement, `SubmissionRef`). */
  submission: SubmissionRef | undefined;
  /** The cluster hand-off message the records came in (`PartitionOwnership.handoffsDone`). */
  handoffId: string | undefined;
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

/** Where state was kept before it was split by partition (migration 013): read once, then removed. */
const LEGACY_STATE_KEY = "pipeline";
/** Longest a batch should hold the event loop, at the measured rate (a batch takes one submission at least). */
const BATCH_BUDGET_MS = 50;
/**
 * Longest a batch holds the event loop at a stretch: it mines, appends and detects in runs of
 * SLICE_RECORDS and lets the loop take I/O once a stretch has lasted this long. One 500-line request held
 * it 100-200 ms in one piece, and Node accepts one connection per loop turn, so under overload a fresh
 * connection (a liveness probe) waited behind every connection queued before it: 10 s at p99.
 */
const SLICE_MS = 10;
const SLICE_RECORDS = 50;
/**
 * A streamed batch's last records, mined and appended before any of them is detected (`#streamBatch`), so
 * the build thread encodes the batch's last row while the event loop detects them. The event loop waited
 * a median 7.7 ms for each 5,000-line batch's row (about 11 % of its time under bench:ingest's load);
 * detecting 2,000 lines takes about 5 ms. `serve` in turns: 1.06× the lines/s (6 pairs of 15 s, 0.94–1.15,
 * the second run of a pair faster either way); 4,000 gave the same as 2,000 (4 pairs). These records live
 * until detected, a few milliseconds longer than a 50-record slice.
 */
const DETECTED_AFTER_ROW = 2_000;

/**
 * Ingest through a bounded queue: submissions are combined into batches, mined, written in one
 * transaction with their anomalies, and only then acknowledged, so whatever a caller saw succeed is on
 * disk. A full queue refuses new work (the HTTP layer answers 503 + Retry-After) instead of growing.
 */
export class IngestPipeline {
  readonly #queue: Submission[] = [];
  #queued = 0;
  #running: Promise<void> | null = null;
  #accepting = true;
  #lastStateSave = 0;
  #dirty = false;
  /** A batch is between `Processor.begin` and its commit or rollback (see `tick`). */
  #inBatch = false;
  /** Records stored per second while the drain loop has work, smoothed over batches; 0 until measured. */
  #drainRate = 0;
  /** Batches were committed since the last save (their templates are not in `templates` yet). */
  #unsavedBatches = false;
  /**
   * Streams (partitions) committed batches (or a tick, `takeChangedStreams`) changed since the last save:
   * only their rows are written again, with the miner's and the partitioned detectors' state of them.
   */
  readonly #dirtyStreams = new Set<string>();
  /** The last batch committed (`ingest_batches`): what state saved now includes everything up to. */
  #lastBatch = 0;
  /** State came from the single pre-partition row, which goes once the partitioned rows are saved. */
  #legacyState = false;
  readonly #touchedTemplates = new Set<string>();
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
  }

  /** Restores miner and detector state saved by an earlier run. */
  async start(): Promise<void> {
    const own = this.options.ownership;
    this.#lastBatch = own ? 0 : await lastBatchId(this.store.db);
    const rows = own
      ? await loadPartitionStatesUnder(this.store.db, own.statePrefix)
      : await loadPartitionStatesUnder(this.store.db, CLUSTER_STATE_PREFIX, false);
    if (rows.length > 0) {
      const { wholeStates } = importPartitions(this.processor, rows);
      // Rows of before detectors were split: every stream's row is written at the next save, which also
      // takes the detectors' whole state out of the shared row.
      if (wholeStates) this.#markAllStreams();
      // Each row includes every batch up to its tag; batches after the oldest tag are stored, but what
      // they taught the miner and detectors is not in the state (the process stopped before the save).
      let stateBatch = Number.POSITIVE_INFINITY;
      for (const r of rows) stateBatch = Math.min(stateBatch, r.batchId);
      this.log.info(
        {
          templates: this.processor.miner.stats().templates,
          partitions: rows.length,
          stateBatch,
          lastBatch: this.#lastBatch,
        },
        "restored pipeline state",
      );
    } else if (!own) {
      const saved = await loadState(this.store.db, LEGACY_STATE_KEY);
      if (saved && typeof saved === "object" && !Array.isArray(saved)) {
        this.processor.importState(saved as { miner?: unknown; detectors?: Record<string, JsonValue> });
        this.log.info({ templates: this.processor.miner.stats().templates }, "restored pipeline state");
        // Written again split by partition at the next save, which then removes the old row.
        this.#legacyState = true;
        this.#markAllStreams();
      }
    }
    const suppressions = await activeSuppressions(this.store.db, isoUtc(this.clock.now()));
    this.suppressions.replace(suppressions.map(asSuppression));
    this.#lastStateSave = this.clock.now();
  }

  #markAllStreams(): void {
    this.#dirty = true;
    for (const stream of knownStreams(this.processor)) this.#dirtyStreams.add(stream);
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

  submit(records: RecordSource, submission?: SubmissionRef, handoffId?: string): Promise<IngestResult> {
    if (records.length === 0 && this.#accepting)
      return Promise.resolve({ records: [], refs: [], anomalies: [] });
    const refusal = this.refusal(records.length);
    if (refusal) {
      if (this.#accepting) this.stats.rejectedSubmissions++;
      return Promise.reject(refusal);
    }
    return new Promise<IngestResult>((resolve, reject) => {
      this.#queue.push({ records, submission, handoffId, resolve, reject });
      this.#queued += records.length;
      this.stats.queuedRecords = this.#queued;
      this.#kick();
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
        for (const settle of await this.#processIsolating(batch)) settle();
      } finally {
        this.#queued -= size;
        this.stats.queuedRecords = this.#queued;
      }
      if (this.clock.now() - this.#lastStateSave >= this.options.stateSaveIntervalMs)
        await this.#periodicSave();
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

  /**
   * Processes a batch and gives back how to answer its submitters. Poison isolation: several submissions
   * share a batch (and a transaction), so when one holds a record that fails a stage past its error
   * boundary, the others must not fail with it. A failed batch of several submissions is rolled back and
   * each submission is then processed on its own, its source read again from the start (`rewind`): only
   * the one that fails again is refused, and every answer speaks of its own records. Sources keep what
   * they read for that only while they share a batch (`keepForReplay`), so a batch of one costs nothing.
   */
  async #processIsolating(batch: readonly Submission[]): Promise<(() => void)[]> {
    const shared = batch.length > 1;
    if (shared) for (const s of batch) s.records.keepForReplay?.();
    try {
      const results = await this.#process(batch);
      return batch.map((s, i) => () => s.resolve(results[i]!));
    } catch (error) {
      if (!shared) {
        this.log.error({ err: error }, "batch failed; nothing of it was acknowledged");
        return [() => batch[0]!.reject(error)];
      }
      this.log.warn(
        { err: error, submissions: batch.length },
        "batch failed; each of its submissions is processed again on its own",
      );
      const settlements: (() => void)[] = [];
      for (const s of batch) settlements.push(await this.#processAlone(s, error));
      return settlements;
    }
  }

  /** A submission of a failed shared batch, processed again on its own (see `#processIsolating`). */
  async #processAlone(s: Submission, batchError: unknown): Promise<() => void> {
    if (!canReplay(s.records)) return () => s.reject(batchError);
    s.records.rewind?.();
    try {
      const [result] = await this.#process([s]);
      return () => s.resolve(result!);
    } catch (error) {
      this.log.error({ err: error }, "submission failed on its own; nothing of it was acknowledged");
      return () => s.reject(error);
    }
  }

  async #process(batch: readonly Submission[]): Promise<IngestResult[]> {
    let size = 0;
    for (const s of batch) size += s.records.length;
    // Mining and detection change the miner and the detectors; when the transaction fails they are put
    // back, or the refused lines would count as known when sent again (no new_template, and a row whose
    // template was never written).
    this.processor.begin();
    this.#inBatch = true;
    const t0 = performance.now();
    const work: BatchWork = {
      pause: slicer(SLICE_MS),
      mineMs: 0,
      detectMs: 0,
      templates: new BatchTemplates(),
    };
    let results: IngestResult[];
    let batchId = 0;
    const own = this.options.ownership;
    let save: PendingSave | null = null;
    try {
      // A store that issues references up front takes the records as they are mined (`#streamBatch`);
      // any other gets the batch mined first, then appended, then detected (`#appendThenDetect`).
      const streamed = this.logs.openAppend !== undefined;
      const parsed = streamed ? null : await this.#mineAll(batch, work);
      const now = isoUtc(this.clock.now());
      const submissions: SubmissionRef[] = [];
      for (const s of batch) if (s.submission) submissions.push(s.submission);
      // The transaction lets the loop in between runs too. On SQLite it holds Kysely's connection lock
      // throughout, so other queries wait for the commit as before and see nothing uncommitted (raw reads
      // go through `pinned`; the change-version check outside the lock is made for that); on PostgreSQL
      // it has a connection of its own.
      results = await this.store.transaction(async (tx) => {
        const trx = tx.db;
        if (own) await own.fence(trx);
        else batchId = await recordBatch(trx, size, submissions, now);
        const out = parsed
          ? await this.#appendThenDetect(tx, batch, parsed, now, work)
          : await this.#streamBatch(tx, batch, size, now, work);
        // Each suppression's count commits with the batch whose findings it dropped.
        await addSuppressedCounts(trx, this.suppressions.takeDrops(), now);
        if (own) {
          // The partition's state commits with its records: whoever owns it next starts from exactly here.
          this.#markBatch(work.templates);
          // Template counts are left to the periodic save: the batch already wrote its new and reshaped
          // templates, and a count lagging a save interval behind is what a single node has too. Writing
          // every touched template with every batch doubled a cluster partition's template writes.
          save = this.#takeSave(false);
          if (save) await this.#writeSave(trx, save);
          const ids: string[] = [];
          for (const s of batch) if (s.handoffId !== undefined) ids.push(s.handoffId);
          if (ids.length > 0) await own.handoffsDone(trx, ids);
        }
        return out;
      });
    } catch (error) {
      this.#inBatch = false;
      (save as PendingSave | null)?.restore();
      this.processor.rollback();
      // The findings those drops stood for were never stored, so neither are the drops.
      this.suppressions.takeDrops();
      throw error;
    }
    this.#inBatch = false;
    this.processor.commit();
    if (!own) {
      this.#lastBatch = batchId;
      this.#markBatch(work.templates);
    }
    this.stats.processedRecords += size;
    this.stats.batches++;
    const fresh = results.flatMap((r) => r.anomalies);
    if (fresh.length > 0) this.onAnomalies?.(fresh);
    if (this.batchListeners.size > 0) {
      const timing: BatchTiming = {
        records: size,
        anomalies: fresh,
        mineSecs: work.mineMs / 1000,
        detectSecs: work.detectMs / 1000,
        storeSecs: (performance.now() - t0 - work.mineMs - work.detectMs) / 1000,
      };
      for (const listener of this.batchListeners) listener(timing);
    }
    return results;
  }

  /** Mines a slice of records (read from their source just now) and notes their templates. */
  #mine(records: readonly LogRecord[], work: BatchWork): ParsedRecord[] {
    const m0 = performance.now();
    const parsed = this.processor.mine(records);
    for (const r of parsed) work.templates.add(r);
    work.mineMs += performance.now() - m0;
    return parsed;
  }

  /**
   * Detects a slice of stored records and stores what it finds; a repeat that merged into an anomaly an
   * earlier run raised is that anomaly, in its last form (`anomalies` is keyed by anomaly id).
   */
  async #detect(
    trx: Kysely<Database>,
    records: readonly ParsedRecord[],
    now: string,
    work: BatchWork,
    anomalies: Map<number, StoredAnomaly>,
  ): Promise<void> {
    const d0 = performance.now();
    const found = this.processor.detect(records);
    const detected = this.suppressions.filter(found, this.clock.now());
    work.detectMs += performance.now() - d0;
    for (const x of await storeAnomalies(trx, detected, now)) anomalies.set(x.anomaly.id, x.anomaly);
  }

  /** New and reshaped templates, and the ones the batch retired, written in the batch's transaction. */
  async #writeTemplates(trx: Kysely<Database>, templates: BatchTemplates): Promise<void> {
    // Written with the rows that use them, so `templates` never lags behind `logs`; counts of the
    // others follow at the periodic save.
    if (templates.changed.size > 0)
      await saveTemplates(
        trx,
        this.processor.miner.templates().filter((t) => templates.changed.has(t.templateId)),
      );
    await insertRetiredTemplates(trx, templates.retired(this.processor.miner));
  }

  /**
   * The whole batch mined before its transaction, in runs with the loop let in between: the batch's
   * changes are journaled since `begin`, and `tick` leaves the detectors alone while #inBatch; state is
   * saved only between batches.
   */
  async #mineAll(batch: readonly Submission[], work: BatchWork): Promise<ParsedRecord[]> {
    const parsed: ParsedRecord[] = [];
    // Each submission is read here, once, in order: a record is made (or decoded) just before it is mined.
    for (const s of batch)
      for (let i = 0; i < s.records.length; i += SLICE_RECORDS) {
        for (const r of this.#mine(s.records.slice(i, i + SLICE_RECORDS), work)) parsed.push(r);
        await work.pause();
      }
    return parsed;
  }

  /** A mined batch appended in the store's slices, its templates written, then detected submission by submission. */
  async #appendThenDetect(
    tx: StoreTransaction,
    batch: readonly Submission[],
    parsed: ParsedRecord[],
    now: string,
    work: BatchWork,
  ): Promise<IngestResult[]> {
    const trx = tx.db;
    const refs: number[] = [];
    const slice = this.logs.appendSlice ?? SLICE_RECORDS;
    for (let i = 0; i < parsed.length; i += slice) {
      for (const ref of await this.logs.append(tx, parsed.slice(i, i + slice), now)) refs.push(ref);
      await work.pause();
    }
    await this.#writeTemplates(trx, work.templates);
    for (let i = 0; i < parsed.length; i++) parsed[i]!.id = refs[i]!;
    const out: IngestResult[] = [];
    let offset = 0;
    for (const s of batch) {
      const records = parsed.slice(offset, offset + s.records.length);
      const submissionRefs = refs.slice(offset, offset + s.records.length);
      offset += s.records.length;
      const anomalies = new Map<number, StoredAnomaly>();
      for (let i = 0; i < records.length; i += SLICE_RECORDS) {
        await this.#detect(trx, records.slice(i, i + SLICE_RECORDS), now, work, anomalies);
        await work.pause();
      }
      out.push({
        records: s.records.keepRecords === false ? [] : records,
        refs: submissionRefs,
        anomalies: [...anomalies.values()],
      });
    }
    return out;
  }

  /**
   * The batch read, mined, appended and detected a slice at a time, for a store that issues references
   * before it has the records (`LogStore.openAppend`). A slice's records are let go once detected (unless
   * their submitter keeps them): a 5,000-line batch's parsed records, their parameters and the decoded
   * logs lived from its first line's mining to its response, long enough for V8 to promote most of them
   * to the old generation. The slices are the ones `#appendThenDetect` detects (50 records from each
   * submission's start), the store's calls cover the same records, and detectors do not read the miner,
   * so rows, findings and templates are the same.
   */
  async #streamBatch(
    tx: StoreTransaction,
    batch: readonly Submission[],
    size: number,
    now: string,
    work: BatchWork,
  ): Promise<IngestResult[]> {
    const trx = tx.db;
    const appends = new SlicedAppend(this.logs, tx, size, this.logs.appendSlice ?? SLICE_RECORDS, now);
    // The batch's last records are mined and appended before any of them is detected: their row is then
    // encoded (on the build thread) while they are detected, instead of the event loop waiting for it.
    const tailFrom = size - DETECTED_AFTER_ROW;
    try {
      return await this.#streamSlices(trx, batch, appends, tailFrom, now, work);
    } catch (error) {
      // A row still being written must not land after the transaction has ended.
      await appends.settle();
      throw error;
    }
  }

  async #streamSlices(
    trx: Kysely<Database>,
    batch: readonly Submission[],
    appends: SlicedAppend,
    tailFrom: number,
    now: string,
    work: BatchWork,
  ): Promise<IngestResult[]> {
    const outcomes: SubmissionOutcome[] = [];
    const tail: { records: ParsedRecord[]; outcome: SubmissionOutcome }[] = [];
    let at = 0;
    for (const s of batch) {
      const outcome: SubmissionOutcome = {
        kept: s.records.keepRecords !== false ? [] : null,
        refs: [],
        anomalies: new Map(),
      };
      outcomes.push(outcome);
      for (let i = 0; i < s.records.length; i += SLICE_RECORDS) {
        const records = this.#mine(s.records.slice(i, i + SLICE_RECORDS), work);
        await appends.add(records);
        for (const r of records) outcome.refs.push(r.id);
        if (at + i >= tailFrom) tail.push({ records, outcome });
        else await this.#detectInto(outcome, trx, records, now, work);
        await work.pause();
      }
      at += s.records.length;
    }
    for (const { records, outcome } of tail) {
      await this.#detectInto(outcome, trx, records, now, work);
      await work.pause();
    }
    await appends.finish();
    await this.#writeTemplates(trx, work.templates);
    return outcomes.map((o) => ({
      records: o.kept ?? [],
      refs: o.refs,
      anomalies: [...o.anomalies.values()],
    }));
  }

  /** Detects a slice of a submission's stored records into its outcome, and keeps them if it keeps records. */
  async #detectInto(
    outcome: SubmissionOutcome,
    trx: Kysely<Database>,
    records: ParsedRecord[],
    now: string,
    work: BatchWork,
  ): Promise<void> {
    await this.#detect(trx, records, now, work, outcome.anomalies);
    if (outcome.kept) for (const r of records) outcome.kept.push(r);
  }

  /** A committed batch's templates and streams are due at the next save. */
  #markBatch(templates: BatchTemplates): void {
    for (const id of templates.templateIds()) this.#touchedTemplates.add(id);
    for (const stream of templates.streams()) this.#dirtyStreams.add(stream);
    this.#dirty = true;
    this.#unsavedBatches = true;
  }

  /**
   * Lets detectors judge intervals no record closed (silence), storing what they find like a batch's
   * anomalies, and saves the state and templates the last batches left unsaved. `serve` calls it on a timer.
   */
  async tick(): Promise<StoredAnomaly[]> {
    const own = this.options.ownership;
    if (own) return this.#partitionTick(own);
    // On PostgreSQL the timer can fire while a batch awaits its transaction: what the detectors changed
    // now would be journaled into that batch (and taken back if it failed, after this tick stored what
    // it found), and its suppression drops would be taken early. The detectors wait for the next tick.
    const inBatch = this.#inBatch;
    const found = inBatch
      ? []
      : this.suppressions.filter(this.processor.tick(this.clock.now()), this.clock.now());
    this.#dirty = true;
    let anomalies: StoredAnomaly[] = [];
    const drops = inBatch ? new Map<number, number>() : this.suppressions.takeDrops();
    if (drops.size > 0) await addSuppressedCounts(this.store.db, drops, isoUtc(this.clock.now()));
    await this.#refreshSuppressions();
    if (found.length > 0) {
      const now = isoUtc(this.clock.now());
      const stored = await this.store.db.transaction().execute((trx) => storeAnomalies(trx, found, now));
      anomalies = stored.map((x) => x.anomaly);
      this.onAnomalies?.(anomalies);
    }
    // The drain loop saves after a batch once the interval has passed; when ingest stops before that, the
    // last batches' templates would wait for the next batch or shutdown. An idle pipeline saves them here.
    if (
      this.#unsavedBatches &&
      !this.#running &&
      this.clock.now() - this.#lastStateSave >= this.options.stateSaveIntervalMs
    )
      await this.#periodicSave();
    return anomalies;
  }

  /**
   * Suppressions revoked or made by another process (`logwarden suppressions revoke`, another node on
   * PostgreSQL) take effect within a tick; this process's own changes already did, at once.
   */
  async #refreshSuppressions(): Promise<void> {
    const active = await activeSuppressions(this.store.db, isoUtc(this.clock.now()));
    this.suppressions.replace(active.map(asSuppression));
  }

  /**
   * A cluster partition's tick. What the detectors' tick changed to find something (a session it closed,
   * a finding volume held and released) commits with those findings, in one fenced transaction. Before,
   * only the findings were stored, and the state followed with the partition's next batch: a node killed
   * in between left rows from before the tick, and the node taking the partition over closed the same
   * session again and raised its finding a second time (test/cluster/partition-ownership.test.ts).
   * The tick takes the drain loop's place, so no batch is mined or detected while the state is exported
   * (the export must hold no batch that has not committed); while a batch runs, it waits for the next tick.
   */
  async #partitionTick(own: PartitionOwnership): Promise<StoredAnomaly[]> {
    if (this.#running) {
      await this.#refreshSuppressions();
      return [];
    }
    const work = this.#partitionTickWork(own);
    this.#running = work
      .then(
        () => {},
        () => {},
      )
      .finally(() => {
        this.#running = null;
        if (this.#queue.length > 0) this.#kick();
      });
    const anomalies = await work;
    await this.#refreshSuppressions();
    return anomalies;
  }

  async #partitionTickWork(own: PartitionOwnership): Promise<StoredAnomaly[]> {
    const now = this.clock.now();
    // Journaled like a batch: if the transaction fails, the sessions are open again for the next tick.
    this.processor.begin();
    let save: PendingSave | null = null;
    let anomalies: StoredAnomaly[] = [];
    try {
      const found = this.suppressions.filter(this.processor.tick(now), now);
      const drops = this.suppressions.takeDrops();
      if (found.length > 0 || drops.size > 0) {
        if (found.length > 0) {
          // The cross-stream detectors (sessions, windows) are in the shared row, always written.
          this.#dirty = true;
          save = this.#takeSave();
        }
        const at = isoUtc(now);
        const pending = save as PendingSave | null;
        const stored = await this.store.db.transaction().execute(async (trx) => {
          await own.fence(trx);
          const out = await storeAnomalies(trx, found, at);
          if (drops.size > 0) await addSuppressedCounts(trx, drops, at);
          if (pending) await this.#writeSave(trx, pending);
          return out;
        });
        anomalies = stored.map((x) => x.anomaly);
      }
    } catch (error) {
      (save as PendingSave | null)?.restore();
      this.processor.rollback();
      throw error;
    }
    this.processor.commit();
    if (anomalies.length > 0) this.onAnomalies?.(anomalies);
    return anomalies;
  }

  /**
   * The save the drain loop and the timer make: a failure (a full disk, a lost database connection) is
   * logged and the save is tried again at the next interval, with everything the failed one held; it
   * must not end the process, and the state is still in memory.
   */
  async #periodicSave(): Promise<void> {
    try {
      await this.saveState();
    } catch (error) {
      this.stats.failedStateSaves++;
      this.log.error({ err: error }, "saving pipeline state failed; trying again at the next save");
    }
  }

  /**
   * Saves touched templates and lineage, the state of the streams batches (or ticks) changed since the
   * last save (their templates and their state in the partitioned detectors: only theirs is exported),
   * and the shared state (miner counters, the other detectors, the partitioned detectors' remainder),
   * each row tagged with the last committed batch:
   * the export is taken between batches, so it includes exactly the batches up to that one. Throws when
   * the save fails.
   */
  async saveState(): Promise<void> {
    const save = this.#takeSave();
    if (!save) return;
    try {
      await this.store.db.transaction().execute(async (trx) => {
        await this.options.ownership?.fence(trx);
        await this.#writeSave(trx, save);
        // Saved state includes every batch up to this one: the rows of earlier batches have served.
        // (A partition's pipeline records no batches: its state commits with each of them.)
        if (!this.options.ownership) await forgetBatchesBefore(trx, save.batchId);
      });
      if (save.legacy) this.#legacyState = false;
    } catch (error) {
      save.restore();
      throw error;
    }
  }

  /**
   * Takes what is due off the marks (null when nothing is), so batches committed while the save runs mark
   * theirs anew; `restore` puts it back when the save fails, so the marks are only gone once it committed.
   */
  #takeSave(counts = true): PendingSave | null {
    for (const stream of takeChangedStreams(this.processor)) this.#dirtyStreams.add(stream);
    if (!this.#dirty && this.#dirtyStreams.size === 0 && this.#touchedTemplates.size === 0) return null;
    // The next periodic attempt waits a full interval, also after a failure: no retry storm per batch.
    // A save without the template counts (a partition's batch) leaves the periodic one due.
    if (counts) this.#lastStateSave = this.clock.now();
    const touchedIds = new Set(counts ? this.#touchedTemplates : []);
    if (counts) this.#touchedTemplates.clear();
    const lineage = this.processor.takeLineage();
    const streams = new Set(this.#dirtyStreams);
    this.#dirtyStreams.clear();
    const legacy = this.#legacyState;
    this.#dirty = false;
    this.#unsavedBatches = this.#touchedTemplates.size > 0;
    const prefix = this.options.ownership?.statePrefix ?? "";
    const batchId = this.#lastBatch;
    let touched: PendingSave["touched"];
    let rows: PendingSave["rows"];
    const restore = () => {
      this.#dirty = true;
      this.#unsavedBatches = true;
      for (const id of touchedIds) this.#touchedTemplates.add(id);
      for (const stream of streams) this.#dirtyStreams.add(stream);
      this.processor.returnLineage(lineage);
    };
    try {
      touched =
        touchedIds.size === 0
          ? []
          : this.processor.miner.templates().filter((t) => touchedIds.has(t.templateId));
      rows = [...exportStreams(this.processor, streams), exportShared(this.processor)].map((r) => ({
        partition: `${prefix}${r.partition}`,
        value: r.value,
        batchId,
      }));
    } catch (error) {
      restore();
      throw error;
    }
    return { touched, lineage, rows, legacy, batchId, restore };
  }

  async #writeSave(trx: Kysely<Database>, save: PendingSave): Promise<void> {
    const now = isoUtc(this.clock.now());
    await saveTemplates(trx, save.touched, save.lineage);
    await savePartitionStates(trx, save.rows, now);
    if (save.legacy) await deleteState(trx, LEGACY_STATE_KEY);
  }

  /** Stops accepting, processes everything already queued, and saves state. */
  async stop(): Promise<void> {
    this.#accepting = false;
    while (this.#running) await this.#running;
    await this.saveState();
  }
}

/**
 * An `await pause()` that gives the event loop a turn (setImmediate: pending I/O, then back) once
 * `budgetMs` have passed since the last one, and otherwise returns at once.
 */
function slicer(budgetMs: number): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await nextTurn();
    since = performance.now();
  };
}

/** A submission's part of a streamed batch, filled as its slices are mined, appended and detected. */
interface SubmissionOutcome {
  /** Its records, unless the source does not keep them. */
  kept: ParsedRecord[] | null;
  refs: number[];
  anomalies: Map<number, StoredAnomaly>;
}

/** What a batch's stages share while it runs: the loop's turns, stage times, what its lines say of templates. */
interface BatchWork {
  pause: () => Promise<void>;
  mineMs: number;
  detectMs: number;
  templates: BatchTemplates;
}

/**
 * A batch's records appended as they come, in the store's calls of `slice` records (`appendSlice`), as
 * `append` over the whole batch would split them: each call's references are issued when it opens, and
 * it is stored once its last record is in. Sets each record's `id`.
 */
class SlicedAppend {
  #open: RecordAppender | null = null;
  /** Records the open call still takes, and the records added before it opened. */
  #left = 0;
  #openedAt = 0;
  #added = 0;
  /** The calls whose rows are being built and written. */
  readonly #stored: Promise<void>[] = [];

  constructor(
    readonly logs: LogStore<StoreTransaction>,
    readonly tx: StoreTransaction,
    readonly size: number,
    readonly slice: number,
    readonly storedAt: string,
  ) {}

  async add(records: ParsedRecord[]): Promise<void> {
    for (let k = 0; k < records.length; ) {
      if (this.#open === null) {
        this.#left = Math.min(this.slice, this.size - this.#added);
        this.#openedAt = this.#added;
        this.#open = await this.logs.openAppend!(this.tx, this.#left, this.storedAt);
      }
      const open = this.#open;
      const take = Math.min(this.#left, records.length - k);
      const part = k === 0 && take === records.length ? records : records.slice(k, k + take);
      const base = open.firstRef + (this.#added - this.#openedAt);
      for (let j = 0; j < part.length; j++) part[j]!.id = base + j;
      open.add(part);
      this.#added += take;
      this.#left -= take;
      k += take;
      if (this.#left === 0) {
        this.#open = null;
        // Not awaited here: the row is built while the batch goes on; `finish` waits for every row.
        const stored = open.finish();
        stored.catch(() => {}); // awaited (and its failure thrown) in `finish`
        this.#stored.push(stored);
      }
    }
  }

  /** Waits until every row asked for is written or failed (before a failed transaction ends). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#stored);
  }

  async finish(): Promise<void> {
    await Promise.all(this.#stored);
    if (this.#added !== this.size || this.#open !== null)
      throw new Error(`batch appended ${this.#added} of ${this.size} records`);
  }
}
