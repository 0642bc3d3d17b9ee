import type { Logger } from "pino";
import type { JsonObject, JsonValue } from "../core/json.js";
import { Random } from "../detectors/isolation-forest/index.js";
import { extractFeatures, unwrapRecord } from "./features.js";
import { type HistoryEntry, loadHistory, type StoredEntry, saveHistory } from "./history-store.js";
import { type FeatureReason, type HasuraModel, scoreRecord, trainModel } from "./model.js";
import type { ModelStore } from "./model-store.js";
import type { HasuraDb } from "./tables.js";
import { localIso } from "./time.js";

export interface DetectorSettings {
  contamination: number;
  minimumTrainingRecords: number;
  maxHistoricalRecords: number;
  retrainThreshold: number;
}

/** One flagged record in `statistical_details` (contract §4.6). */
export interface FlaggedRecord {
  record: JsonValue;
  score: number;
  index: number;
  features: number[];
  timestamp: JsonValue;
  /** Logwarden's addition to the contract's entry: the features that made the record stand out. */
  explanation?: { features: FeatureReason[] };
}

export interface DatasetDetection {
  /** The history as it was before this dataset (the baseline for the comparison, §4.8.2). */
  historyBefore: JsonObject[];
  /** The dataset's records, unwrapped; records that are not objects are left out. */
  records: JsonObject[];
  /** Index in the dataset of each entry of `records`. */
  recordIndexes: number[];
  flagged: FlaggedRecord[];
  /** Lowest score of the records scored, or 0.0 when none was (the seed's `score`). */
  minScore: number;
  /** Per-record outcome, by index (`insufficient_history`, "No numerical features extracted", a score). */
  outcomes: RecordOutcome[];
  errors: string[];
  historicalDataSize: number;
  /** `num_features` of the model that scored the records, 0 without a model. */
  featuresUsed: number;
  pendingUpdates: number;
}

export interface RecordOutcome {
  index: number;
  is_anomaly: boolean;
  score: number;
  features: number[];
  reason?: string;
}

/** Serialises work per query hash: two requests for one hash must not interleave load and save. */
class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((r) => {
      release = r;
    });
    const tail = previous.then(() => done);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/**
 * The statistical half of a dataset's analysis (contract §4.7): per query hash, append each record to
 * the history and score it against the hash's Isolation Forest; then persist the history and retrain.
 */
export class StatisticalDetector {
  readonly #lock = new KeyedLock();
  /** Records scored since the last retrain, per hash (reported as `pending_updates`). */
  readonly #pending = new Map<string, number>();
  readonly #vectors = new WeakMap<HistoryEntry, number[]>();

  constructor(
    private readonly db: HasuraDb,
    readonly models: ModelStore,
    private readonly settings: DetectorSettings,
    private readonly log: Pick<Logger, "warn" | "error" | "debug">,
  ) {}

  pendingUpdates(queryId: string): number {
    return this.#pending.get(queryId) ?? 0;
  }

  detect(queryId: string, dataset: readonly unknown[], now: () => number): Promise<DatasetDetection> {
    return this.#lock.run(queryId, () => this.#detect(queryId, dataset, now));
  }

  async #detect(queryId: string, dataset: readonly unknown[], now: () => number): Promise<DatasetDetection> {
    const s = this.settings;
    const history = await loadHistory(this.db, queryId);
    const loadedIds = history.entries.map((e) => e.id!);
    const entries: StoredEntry[] = history.entries;
    const historyBefore = entries.map((e) => e.entry.data);
    let model = await this.models.get(queryId);
    let pending = this.#pending.get(queryId) ?? 0;
    const result: DatasetDetection = {
      historyBefore,
      records: [],
      recordIndexes: [],
      flagged: [],
      minScore: 0,
      outcomes: [],
      errors: [],
      historicalDataSize: 0,
      featuresUsed: model?.numFeatures ?? 0,
      pendingUpdates: 0,
    };
    let lowest = Number.POSITIVE_INFINITY;

    for (let i = 0; i < dataset.length; i++) {
      const raw = dataset[i];
      try {
        const record = unwrapRecord(raw);
        if (!record) {
          this.log.debug({ query_hash: queryId, index: i }, "record is not an object; skipped");
          continue;
        }
        result.records.push(record);
        result.recordIndexes.push(i);
        const own = record.timestamp;
        const entry: HistoryEntry = {
          data: record,
          timestamp: typeof own === "string" ? own : localIso(now()),
        };
        entries.push({ id: null, entry });
        const features = this.#featuresOf(entry);
        if (entries.length < s.minimumTrainingRecords) {
          result.outcomes.push({
            index: i,
            is_anomaly: false,
            reason: "insufficient_history",
            score: 0,
            features,
          });
          continue;
        }
        if (features.length === 0) {
          result.outcomes.push({
            index: i,
            is_anomaly: false,
            reason: "No numerical features extracted",
            score: 0,
            features,
          });
          continue;
        }
        if (!model) model = this.#train(queryId, entries, now);
        if (!model) throw new Error("no model could be trained for this query");
        const { score, isAnomaly, reasons } = scoreRecord(model, record, features);
        result.featuresUsed = model.numFeatures;
        lowest = Math.min(lowest, score);
        result.outcomes.push({ index: i, is_anomaly: isAnomaly, score, features });
        if (isAnomaly) {
          result.flagged.push({
            record: raw as JsonValue,
            score,
            index: i,
            features,
            timestamp: own !== undefined ? own : localIso(now()),
            ...(reasons ? { explanation: { features: reasons } } : {}),
          });
        }
        pending += 1;
        if (pending >= s.retrainThreshold) {
          // Mid-dataset retrains stay in memory; the one after the dataset is the one saved.
          model = this.#train(queryId, entries, now) ?? model;
          pending = 0;
        }
      } catch (error) {
        result.errors.push(`Error processing record ${i}: ${(error as Error).message}`);
      }
    }

    this.#enforceCap(entries);
    const kept = new Set(entries.map((e) => e.id));
    await saveHistory(
      this.db,
      queryId,
      {
        added: entries.filter((e) => e.id === null).map((e) => e.entry),
        removedIds: loadedIds.filter((id) => !kept.has(id)),
      },
      new Date(now()).toISOString(),
    );
    result.historicalDataSize = entries.length;

    if (entries.length >= s.minimumTrainingRecords) {
      const trained = this.#train(queryId, entries, now);
      if (trained) {
        await this.models.save(queryId, trained, this.#featureNames(trained), new Date(now()).toISOString());
        result.featuresUsed = trained.numFeatures;
        pending = 0;
      }
    }
    this.#pending.set(queryId, pending);
    result.pendingUpdates = pending;
    result.minScore = Number.isFinite(lowest) ? lowest : 0;
    return result;
  }

  #featuresOf(entry: HistoryEntry): number[] {
    let v = this.#vectors.get(entry);
    if (!v) {
      const record = unwrapRecord(entry.data) ?? (entry.data as JsonObject | null);
      v = record && typeof record === "object" ? extractFeatures(record) : [];
      this.#vectors.set(entry, v);
    }
    return v;
  }

  /** Contract §4.7.1: above the cap, randomly chosen entries go (seeded, so a rerun keeps the same ones). */
  #enforceCap(entries: StoredEntry[]): void {
    const excess = entries.length - this.settings.maxHistoricalRecords;
    if (excess <= 0) return;
    const random = new Random(entries.length);
    for (let k = 0; k < excess; k++) entries.splice(Math.floor(random.nextDouble() * entries.length), 1);
  }

  #train(queryId: string, entries: StoredEntry[], now: () => number): HasuraModel | null {
    this.#enforceCap(entries);
    try {
      return trainModel(
        entries.map((e) => unwrapRecord(e.entry.data) ?? {}),
        this.settings.contamination,
        localIso(now()),
      );
    } catch (error) {
      // Contract §4.7.3: a failed training keeps the last model.
      this.log.warn({ query_hash: queryId, err: error }, "training failed; keeping the last model");
      return null;
    }
  }

  /** Names of the model's features, in input order. */
  #featureNames(model: HasuraModel): string[] {
    return model.plan?.features.map((f) => f.key) ?? [];
  }
}
