import type { Clock } from "../core/clock.js";
import { isoUtc } from "../core/time.js";
import type { Store } from "../store/db.js";
import { type StoredAnomaly, storeAnomalies } from "../store/repos/anomalies.js";
import { addSuppressedCounts } from "../store/repos/suppression-list.js";
import { activeSuppressions, asSuppression } from "../store/repos/verdicts.js";
import type { BatchRunner } from "./batch-runner.js";
import type { IngestQueue } from "./ingest-queue.js";
import type { PipelineListeners, PipelineOptions } from "./ingest-types.js";
import type { PartitionOwnership } from "./partition-ownership.js";
import type { Processor } from "./processor.js";
import type { PendingSave, StateSaves } from "./state-saves.js";
import type { SuppressionList } from "./suppressions.js";

/**
 * The ingest pipeline's ticks (`IngestPipeline.tick`, on the detector timer): a single node's, and a
 * cluster partition's, which commits what the detectors' tick changed with what it found.
 */
export class PipelineTicks {
  constructor(
    readonly store: Store,
    readonly processor: Processor,
    readonly clock: Clock,
    readonly options: PipelineOptions,
    readonly suppressions: SuppressionList,
    readonly saves: StateSaves,
    readonly runner: BatchRunner,
    readonly queue: IngestQueue,
    readonly listeners: PipelineListeners,
  ) {}

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
    const inBatch = this.runner.inBatch;
    const found = inBatch
      ? []
      : this.suppressions.filter(this.processor.tick(this.clock.now()), this.clock.now());
    this.saves.markDirty();
    let anomalies: StoredAnomaly[] = [];
    const drops = inBatch ? new Map<number, number>() : this.suppressions.takeDrops();
    if (drops.size > 0) await addSuppressedCounts(this.store.db, drops, isoUtc(this.clock.now()));
    await this.refreshSuppressions();
    if (found.length > 0) {
      const now = isoUtc(this.clock.now());
      const stored = await this.store.db
        .transaction()
        .execute((trx) => storeAnomalies(trx, found, now, (keys) => this.store.dialect.lockKeys(trx, keys)));
      anomalies = stored.map((x) => x.anomaly);
      this.listeners.onAnomalies?.(anomalies);
    }
    // The drain loop saves after a batch once the interval has passed; when ingest stops before that, the
    // last batches' templates would wait for the next batch or shutdown. An idle pipeline saves them here.
    if (this.saves.unsavedBatches && !this.queue.running && this.saves.saveDue())
      await this.saves.periodicSave();
    return anomalies;
  }

  /**
   * Suppressions revoked or made by another process (`logwarden suppressions revoke`, another node on
   * PostgreSQL) take effect within a tick; this process's own changes already did, at once.
   */
  async refreshSuppressions(): Promise<void> {
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
    if (this.queue.running) {
      await this.refreshSuppressions();
      return [];
    }
    const work = this.#partitionTickWork(own);
    this.queue.occupy(work);
    const anomalies = await work;
    await this.refreshSuppressions();
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
          this.saves.markDirty();
          save = this.saves.takeSave();
        }
        const at = isoUtc(now);
        const pending = save as PendingSave | null;
        const stored = await this.store.db.transaction().execute(async (trx) => {
          await own.fence(trx);
          const out = await storeAnomalies(trx, found, at, (keys) => this.store.dialect.lockKeys(trx, keys));
          if (drops.size > 0) await addSuppressedCounts(trx, drops, at);
          if (pending) await this.saves.writeSave(trx, pending);
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
    if (anomalies.length > 0) this.listeners.onAnomalies?.(anomalies);
    return anomalies;
  }
}
