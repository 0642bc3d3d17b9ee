import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { JsonValue } from "../core/json.js";
import { isoUtc } from "../core/time.js";
import type { Store } from "../store/db.js";
import { forgetBatchesBefore, lastBatchId } from "../store/repos/ingest-batches.js";
import { loadPartitionStatesUnder, savePartitionStates } from "../store/repos/partition-state.js";
import { deleteState, loadState } from "../store/repos/state.js";
import { saveTemplates } from "../store/repos/templates.js";
import type { Database } from "../store/schema.js";
import type { PipelineOptions, PipelineStats } from "./ingest-types.js";
import { CLUSTER_STATE_PREFIX } from "./partition-ownership.js";
import {
  exportShared,
  exportStreams,
  importPartitions,
  knownStreams,
  takeChangedStreams,
} from "./partition-state.js";
import type { Processor } from "./processor.js";
import type { BatchTemplates } from "./retired-templates.js";

/** Where state was kept before it was split by partition (migration 013): read once, then removed. */
const LEGACY_STATE_KEY = "pipeline";
/** What a save takes off the pipeline's marks: written in a transaction, or put back when that fails. */
export interface PendingSave {
  touched: ReturnType<Processor["miner"]["templates"]>;
  lineage: ReturnType<Processor["takeLineage"]>;
  rows: { partition: string; value: JsonValue; batchId: number }[];
  legacy: boolean;
  batchId: number;
  restore(): void;
}

/**
 * The ingest pipeline's state saves: the marks of what committed batches and ticks left unsaved, the save
 * (periodic, at stop, or in a cluster partition's batch transaction), and the restore at start. Miner and
 * detector state is saved by partition (partition-state.ts).
 */
export class StateSaves {
  #lastStateSave = 0;
  #dirty = false;
  /** Batches were committed since the last save (their templates are not in `templates` yet). */
  #unsavedBatches = false;
  /**
   * Streams (partitions) committed batches (or a tick, `takeChangedStreams`) changed since the last save:
   * only their rows are written again, with the miner's and the partitioned detectors' state of them.
   */
  readonly #dirtyStreams = new Set<string>();
  /**
   * Streams whose templates batches created or reshaped since their last miner row (`miner:<name>`):
   * written with the next save, a partition's batch included, so the template ids a new owner mines with
   * are exactly those stored.
   */
  readonly #minerDue = new Set<string>();
  /** Streams whose template counts and recency changed since their last miner row: the periodic save's. */
  readonly #minerTouched = new Set<string>();
  /** The last batch committed (`ingest_batches`): what state saved now includes everything up to. */
  #lastBatch = 0;
  /** State came from the single pre-partition row, which goes once the partitioned rows are saved. */
  #legacyState = false;
  readonly #touchedTemplates = new Set<string>();

  constructor(
    readonly store: Store,
    readonly processor: Processor,
    readonly clock: Clock,
    readonly log: Logger,
    readonly options: PipelineOptions,
    readonly stats: PipelineStats,
  ) {}

  /** Restores miner and detector state saved by an earlier run (`IngestPipeline.start`). */
  async restore(): Promise<void> {
    const own = this.options.ownership;
    this.#lastBatch = own ? 0 : await lastBatchId(this.store.db);
    const rows = own
      ? await loadPartitionStatesUnder(this.store.db, own.statePrefix)
      : await loadPartitionStatesUnder(this.store.db, CLUSTER_STATE_PREFIX, false);
    if (rows.length > 0) {
      const { wholeStates, legacyMiner } = importPartitions(this.processor, rows);
      for (const stream of legacyMiner) this.#minerDue.add(stream);
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
  }

  /** The periodic save's interval starts now (at start, once state is restored). */
  restartInterval(): void {
    this.#lastStateSave = this.clock.now();
  }

  /** Whether the periodic save is due: `stateSaveIntervalMs` since the last one. */
  saveDue(): boolean {
    return this.clock.now() - this.#lastStateSave >= this.options.stateSaveIntervalMs;
  }

  /** Batches were committed since the last save. */
  get unsavedBatches(): boolean {
    return this.#unsavedBatches;
  }

  /** The shared state is due at the next save (a tick changed what the detectors hold). */
  markDirty(): void {
    this.#dirty = true;
  }

  #markAllStreams(): void {
    this.#dirty = true;
    for (const stream of knownStreams(this.processor)) {
      this.#dirtyStreams.add(stream);
      this.#minerDue.add(stream);
    }
  }

  /** A committed batch's templates and streams are due at the next save. */
  markBatch(templates: BatchTemplates): void {
    for (const id of templates.templateIds()) this.#touchedTemplates.add(id);
    for (const stream of templates.streams()) this.#minerTouched.add(stream);
    for (const stream of templates.changedStreams) this.#minerDue.add(stream);
    // Detector rows are per origin (a service from one source, or the service itself without one); the
    // templates' rows per service, above.
    for (const origin of templates.origins) this.#dirtyStreams.add(origin);
    this.#dirty = true;
    this.#unsavedBatches = true;
  }

  /** A single node's batch committed as `batchId` (`ingest_batches`): its templates and streams are due. */
  committed(batchId: number, templates: BatchTemplates): void {
    this.#lastBatch = batchId;
    this.markBatch(templates);
  }

  /**
   * The save the drain loop and the timer make: a failure (a full disk, a lost database connection) is
   * logged and the save is tried again at the next interval, with everything the failed one held; it
   * must not end the process, and the state is still in memory.
   */
  async periodicSave(): Promise<void> {
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
    const save = this.takeSave();
    if (!save) return;
    try {
      await this.store.db.transaction().execute(async (trx) => {
        await this.options.ownership?.fence(trx);
        await this.writeSave(trx, save);
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
  takeSave(counts = true): PendingSave | null {
    for (const stream of takeChangedStreams(this.processor)) this.#dirtyStreams.add(stream);
    if (
      !this.#dirty &&
      this.#dirtyStreams.size === 0 &&
      this.#touchedTemplates.size === 0 &&
      this.#minerDue.size === 0
    )
      return null;
    // The next periodic attempt waits a full interval, also after a failure: no retry storm per batch.
    // A save without the template counts (a partition's batch) leaves the periodic one due.
    if (counts) this.#lastStateSave = this.clock.now();
    const touchedIds = new Set(counts ? this.#touchedTemplates : []);
    if (counts) this.#touchedTemplates.clear();
    const lineage = this.processor.takeLineage();
    const streams = new Set(this.#dirtyStreams);
    this.#dirtyStreams.clear();
    // A partition's batch writes the templates it changed; the periodic save every touched stream's.
    const minerStreams = new Set(this.#minerDue);
    if (counts) for (const stream of this.#minerTouched) minerStreams.add(stream);
    this.#minerDue.clear();
    for (const stream of minerStreams) this.#minerTouched.delete(stream);
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
      for (const stream of minerStreams) this.#minerDue.add(stream);
      this.processor.returnLineage(lineage);
    };
    try {
      touched =
        touchedIds.size === 0
          ? []
          : this.processor.miner.templates().filter((t) => touchedIds.has(t.templateId));
      rows = [...exportStreams(this.processor, streams, minerStreams), exportShared(this.processor)].map(
        (r) => ({
          partition: `${prefix}${r.partition}`,
          value: r.value,
          batchId,
        }),
      );
    } catch (error) {
      restore();
      throw error;
    }
    return { touched, lineage, rows, legacy, batchId, restore };
  }

  async writeSave(trx: Kysely<Database>, save: PendingSave): Promise<void> {
    const now = isoUtc(this.clock.now());
    await saveTemplates(trx, save.touched, save.lineage);
    // Large rows compressed, also in a cluster partition's batch, which writes the state of every stream
    // it touched: about 45 KB of JSON a stream row in bench:cluster's corpus, 2 KB of state a line
    // that PostgreSQL otherwise wrote to its WAL and compressed itself; brotli's fastest level takes
    // about 0.2 ms a row and leaves a fifth. (The rows of megabytes are the entity owner's now.)
    await savePartitionStates(trx, save.rows, now);
    if (save.legacy) await deleteState(trx, LEGACY_STATE_KEY);
  }
}
