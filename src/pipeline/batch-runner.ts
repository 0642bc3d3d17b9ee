import { setImmediate as nextTurn } from "node:timers/promises";
import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { LogRecord, ParsedRecord } from "../core/log-record.js";
import type { LogStore, RecordAppender } from "../core/log-store.js";
import type { RecordRef } from "../core/record-ref.js";
import type { SubmissionRef } from "../core/source.js";
import { isoUtc } from "../core/time.js";
import type { Store, StoreTransaction } from "../store/db.js";
import { type StoredAnomaly, storeAnomalies } from "../store/repos/anomalies.js";
import { recordBatch } from "../store/repos/ingest-batches.js";
import { addSuppressedCounts } from "../store/repos/suppression-list.js";
import { insertRetiredTemplates, saveTemplates } from "../store/repos/templates.js";
import type { Database } from "../store/schema.js";
import type {
  BatchTiming,
  IngestResult,
  PipelineListeners,
  PipelineOptions,
  PipelineStats,
  RecordSource,
  Submission,
} from "./ingest-types.js";
import type { Processor } from "./processor.js";
import { BatchTemplates } from "./retired-templates.js";
import type { PendingSave, StateSaves } from "./state-saves.js";
import type { SuppressionList } from "./suppressions.js";

/** Whether a source's records can be read again after a failed batch (arrays, and sources that rewind). */
function canReplay(records: RecordSource): boolean {
  return Array.isArray(records) || records.rewind !== undefined;
}

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
 * Runs the ingest pipeline's batches: mines, appends and detects a batch's records in one store
 * transaction, for the two kinds of log store (`#appendThenDetect`, `#streamBatch`), and isolates a
 * submission that fails a stage from the others of its batch (`processIsolating`).
 */
export class BatchRunner {
  /** A batch is between `Processor.begin` and its commit or rollback (see `PipelineTicks.tick`). */
  #inBatch = false;

  constructor(
    readonly store: Store,
    readonly processor: Processor,
    readonly clock: Clock,
    readonly log: Logger,
    readonly options: PipelineOptions,
    /** Where the records go, in the batch's transaction; references it returns become `ParsedRecord.id`. */
    readonly logs: LogStore<StoreTransaction>,
    readonly suppressions: SuppressionList,
    readonly saves: StateSaves,
    readonly stats: PipelineStats,
    readonly listeners: PipelineListeners,
  ) {}

  /** Whether a batch is between `Processor.begin` and its commit or rollback. */
  get inBatch(): boolean {
    return this.#inBatch;
  }

  /**
   * Processes a batch and gives back how to answer its submitters. Poison isolation: several submissions
   * share a batch (and a transaction), so when one holds a record that fails a stage past its error
   * boundary, the others must not fail with it. A failed batch of several submissions is rolled back and
   * each submission is then processed on its own, its source read again from the start (`rewind`): only
   * the one that fails again is refused, and every answer speaks of its own records. Sources keep what
   * they read for that only while they share a batch (`keepForReplay`), so a batch of one costs nothing.
   */
  async processIsolating(batch: readonly Submission[]): Promise<(() => void)[]> {
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

  /** A submission of a failed shared batch, processed again on its own (see `processIsolating`). */
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
      // Before the transaction, so it never waits for a second connection (`LogStore.reserveRefs`).
      const reserved = streamed && this.logs.reserveRefs ? await this.logs.reserveRefs(size) : null;
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
          : await this.#streamBatch(tx, batch, size, now, work, reserved);
        // A keyed request's key commits with its records, or neither does (a resend finds both or none).
        for (let i = 0; i < batch.length; i++) await batch[i]!.idempotent?.withRecords(trx, out[i]!);
        // Each suppression's count commits with the batch whose findings it dropped.
        await addSuppressedCounts(trx, this.suppressions.takeDrops(), now);
        if (own) {
          // The partition's state commits with its records: whoever owns it next starts from exactly here.
          this.saves.markBatch(work.templates);
          // Template counts are left to the periodic save: the batch already wrote its new and reshaped
          // templates, and a count lagging a save interval behind is what a single node has too. Writing
          // every touched template with every batch doubled a cluster partition's template writes.
          save = this.saves.takeSave(false);
          if (save) await this.saves.writeSave(trx, save);
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
    if (!own) this.saves.committed(batchId, work.templates);
    this.stats.processedRecords += size;
    this.stats.batches++;
    const fresh = results.flatMap((r) => r.anomalies);
    if (fresh.length > 0) this.listeners.onAnomalies?.(fresh);
    if (this.listeners.batchListeners.size > 0) {
      const timing: BatchTiming = {
        records: size,
        anomalies: fresh,
        mineSecs: work.mineMs / 1000,
        detectSecs: work.detectMs / 1000,
        storeSecs: (performance.now() - t0 - work.mineMs - work.detectMs) / 1000,
      };
      for (const listener of this.listeners.batchListeners) listener(timing);
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
    trx: Transaction<Database>,
    records: readonly ParsedRecord[],
    now: string,
    work: BatchWork,
    anomalies: Map<number, StoredAnomaly>,
  ): Promise<void> {
    const d0 = performance.now();
    const found = this.processor.detect(records);
    const detected = this.suppressions.filter(found, this.clock.now());
    work.detectMs += performance.now() - d0;
    const stored = await storeAnomalies(trx, detected, now, (keys) => this.store.dialect.lockKeys(trx, keys));
    for (const x of stored) anomalies.set(x.anomaly.id, x.anomaly);
    await this.options.ownership?.passOn?.(trx, records);
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
   * changes are journaled since `begin`, and `tick` leaves the detectors alone while `inBatch`; state is
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
    reserved: RecordRef | null,
  ): Promise<IngestResult[]> {
    const trx = tx.db;
    const slice = this.logs.appendSlice ?? SLICE_RECORDS;
    const appends = new SlicedAppend(this.logs, tx, size, slice, now, reserved);
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
    trx: Transaction<Database>,
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
    trx: Transaction<Database>,
    records: ParsedRecord[],
    now: string,
    work: BatchWork,
  ): Promise<void> {
    await this.#detect(trx, records, now, work, outcome.anomalies);
    if (outcome.kept) for (const r of records) outcome.kept.push(r);
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
    /** The batch's first reference when reserved before its transaction (`LogStore.reserveRefs`). */
    readonly reserved: RecordRef | null = null,
  ) {}

  async add(records: ParsedRecord[]): Promise<void> {
    for (let k = 0; k < records.length; ) {
      if (this.#open === null) {
        this.#left = Math.min(this.slice, this.size - this.#added);
        this.#openedAt = this.#added;
        const firstRef = this.reserved === null ? undefined : this.reserved + this.#added;
        this.#open = await this.logs.openAppend!(this.tx, this.#left, this.storedAt, firstRef);
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
