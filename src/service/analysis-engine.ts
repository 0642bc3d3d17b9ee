import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { DetectorStatus } from "../core/detector.js";
import { UserError } from "../core/errors.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import { shownText, shownValue } from "../core/line-limit.js";
import type { LogRecord } from "../core/log-record.js";
import { type Severity, severityRank } from "../core/severity.js";
import { isoUtc } from "../core/time.js";
import { createProcessor } from "../pipeline/create-processor.js";
import type { IngestResult } from "../pipeline/ingest-pipeline.js";
import type { Processor } from "../pipeline/processor.js";
import { type LoadedModel, type ModelFolder, readModelFolder } from "./model-dir.js";
import { loadScoreModel, type ScoreModel } from "./score-model.js";

const shownOrNull = (text: string | null) => (text === null ? null : (shownText(text)?.text ?? text));

/** One input record: the decoded record and, when it came as a JSON object, that object (for echoing). */
export interface AnalysisInput {
  record: LogRecord;
  original?: JsonObject;
}

/** System 002's anomaly object (contracts §3.3). */
export interface AnalysisAnomaly {
  index: number;
  timestamp: string | null;
  user: string | null;
  source_ip: string | null;
  event_type: string | null;
  action: string | null;
  message: string | null;
  anomaly_score: number;
  severity: Severity;
  reasons: string[];
  detector: string;
  /** The record's other fields, passed through (contracts §3.2). */
  extra: JsonObject;
}

/** System 002's analysis result (contracts §3.3). */
export interface AnalysisResult {
  total_events: number;
  anomalies_detected: number;
  anomalies: AnalysisAnomaly[];
  analysis_time_ms: number;
  model_version: string;
}

export interface LoadResult {
  status: "loaded";
  model_dir: string;
  models: string[];
}

/** What an analysis reports to listeners (metrics). */
export interface AnalysisEvent {
  events: number;
  anomalies: number;
  seconds: number;
}

/**
 * Stores the records (`?persist=true`). `detects`: the result's anomalies are the stored ones (a single
 * node's pipeline). On a cluster node the submission only hands the records to their partitions' owners,
 * who detect a moment later, so the analysis detects in memory as it does without `persist`.
 */
export interface Persist {
  submit(records: readonly LogRecord[]): Promise<IngestResult>;
  detects: boolean;
}

const AUTH_FIELDS = ["timestamp", "user", "source_ip", "event_type", "action", "message"] as const;
const BATCH = 2_000;
const BUILTIN_VERSION = "builtin";

interface Detected {
  detector: string;
  score: number;
  severity: Severity;
  reason: string;
  evidence: readonly number[];
}

function text(value: JsonValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The six fields of a system 002 record, from the object it came as, or from the decoded record. */
function viewOf(
  input: AnalysisInput,
): Omit<AnalysisAnomaly, "index" | "anomaly_score" | "severity" | "reasons" | "detector"> {
  const o = input.original;
  if (o) {
    const extra: JsonObject = {};
    for (const [k, v] of Object.entries(o)) if (!(AUTH_FIELDS as readonly string[]).includes(k)) extra[k] = v;
    return {
      timestamp: text(o.timestamp),
      user: text(o.user),
      source_ip: text(o.source_ip),
      event_type: text(o.event_type),
      action: text(o.action),
      // An answer shows 16 KiB of a line and of any string beside it (`shownText`).
      message: shownOrNull(text(o.message)),
      extra: shownValue(extra),
    };
  }
  const a = input.record.attributes;
  const extra: JsonObject = {};
  for (const [k, v] of Object.entries(a)) if (!(AUTH_FIELDS as readonly string[]).includes(k)) extra[k] = v;
  return {
    timestamp: input.record.timestamp,
    user: text(a.user),
    source_ip: text(a.source_ip),
    event_type: text(a.event_type),
    action: text(a.action),
    message: shownOrNull(input.record.body),
    extra: shownValue(extra),
  };
}

/**
 * System 002's analysis (REST `/analyze`, `/analyze/file`, the MCP tools): models loaded from
 * MODEL_DIR, and a fresh in-memory processor per analysis seeded with them, so one client's records
 * never change another's result. Every registered detector takes part; each anomaly is reported on the
 * record its newest evidence points at, and several anomalies on one record merge into one entry.
 */
export class AnalysisEngine {
  #folder: ModelFolder | null = null;
  #processorState: { miner?: unknown; detectors?: Record<string, JsonValue> } | null = null;
  #scoreModel: ScoreModel | null = null;
  #ready = false;
  #error: string | null = null;
  #loadedAt: string | null = null;
  analysesTotal = 0;
  anomaliesTotal = 0;
  readonly listeners = new Set<(event: AnalysisEvent) => void>();

  constructor(
    readonly config: Config,
    readonly clock: Clock,
    readonly log: Logger,
  ) {}

  /** Models are loaded (or there is no MODEL_DIR and the built-in detectors serve alone). */
  get ready(): boolean {
    return this.#ready;
  }

  /** The folder's scoring model, when the last load had one (system 004's `/score` may use it). */
  get scoreModel(): ScoreModel | null {
    return this.#scoreModel;
  }

  get modelVersion(): string {
    return this.#folder?.modelVersion ?? BUILTIN_VERSION;
  }

  /** At start: load MODEL_DIR when it exists; a broken folder leaves the service not ready. */
  async autoLoad(): Promise<void> {
    const dir = resolve(this.config.modelDir);
    if (!existsSync(dir)) {
      this.#ready = true;
      return;
    }
    try {
      const result = await this.load(dir);
      this.log.info({ model_dir: dir, models: result.models }, "models loaded");
    } catch (error) {
      this.#error = (error as Error).message;
      this.log.error(
        { model_dir: dir, err: this.#error },
        "MODEL_DIR could not be loaded; /health/ready answers 503",
      );
    }
  }

  /** Loads a model folder (default MODEL_DIR); on failure the previous models stay in use. */
  async load(dir: string = this.config.modelDir): Promise<LoadResult> {
    const folder = await readModelFolder(resolve(dir));
    let state: { miner?: unknown; detectors?: Record<string, JsonValue> } | null = null;
    let score: ScoreModel | null = null;
    for (const m of folder.models) {
      if (m.kind === "processor-state") state = checkProcessorState(m, this.config, this.clock);
      else if (m.kind === "score") score = checkScoreModel(m);
    }
    this.#folder = folder;
    this.#processorState = state;
    this.#scoreModel = score;
    this.#ready = true;
    this.#error = null;
    this.#loadedAt = isoUtc(this.clock.now());
    return { status: "loaded", model_dir: folder.dir, models: folder.models.map((m) => m.name) };
  }

  /** A processor for one analysis: the configured detectors, seeded with the loaded state. */
  processor(): Processor {
    const p = createProcessor(this.config, this.clock);
    if (this.#processorState) p.importState(this.#processorState);
    return p;
  }

  /** `GET /stats` (contracts §3.3), plus the detectors' phases. */
  stats(): {
    models_loaded: boolean;
    model_dir: string;
    model_version: string;
    loaded_at: string | null;
    load_error: string | null;
    models: Record<string, { kind: string; file: string; bytes: number }>;
    detectors: DetectorStatus[];
    analyses_total: number;
    anomalies_total: number;
  } {
    return {
      models_loaded: this.#ready,
      model_dir: this.#folder?.dir ?? resolve(this.config.modelDir),
      model_version: this.modelVersion,
      loaded_at: this.#loadedAt,
      load_error: this.#error,
      models: Object.fromEntries(
        (this.#folder?.models ?? []).map((m) => [m.name, { kind: m.kind, file: m.file, bytes: m.bytes }]),
      ),
      detectors: this.processor().statuses(),
      analyses_total: this.analysesTotal,
      anomalies_total: this.anomaliesTotal,
    };
  }

  /**
   * Analyses records in batches, yielding to the event loop between them. Without `persist` nothing
   * is stored; with it, records go through the ingest pipeline (stored, detected with the service's
   * long-lived state) and the anomalies reported are the stored ones.
   */
  async analyze(
    inputs: AsyncIterable<AnalysisInput> | Iterable<AnalysisInput>,
    options: { persist?: Persist } = {},
  ): Promise<AnalysisResult> {
    if (!this.#ready) throw new UserError("models are not loaded", "Service Unavailable", 503);
    const started = performance.now();
    const processor = options.persist?.detects ? null : this.processor();
    const byIndex = new Map<number, AnalysisAnomaly>();
    let previous: AnalysisInput[] = [];
    let batch: AnalysisInput[] = [];
    let total = 0;

    const report = (found: Detected, index: number) => {
      // The record is in this batch or, for evidence that spans a boundary, the one before; older
      // records are no longer held, so their fields come back null.
      const base = total - batch.length;
      const input = index >= base ? batch[index - base] : previous[index - (base - previous.length)];
      const existing = byIndex.get(index);
      if (existing) {
        existing.reasons.push(found.reason);
        if (found.score > existing.anomaly_score) {
          existing.anomaly_score = found.score;
          existing.detector = found.detector;
        }
        if (severityRank(found.severity) > severityRank(existing.severity))
          existing.severity = found.severity;
        return;
      }
      const view = input
        ? viewOf(input)
        : {
            timestamp: null,
            user: null,
            source_ip: null,
            event_type: null,
            action: null,
            message: null,
            extra: {},
          };
      byIndex.set(index, {
        index,
        ...view,
        anomaly_score: Math.round(found.score * 10_000) / 10_000,
        severity: found.severity,
        reasons: [found.reason],
        detector: found.detector,
      });
    };

    const flush = async () => {
      const base = total - batch.length;
      const records = batch.map((b) => b.record);
      if (processor) {
        if (options.persist) await options.persist.submit(records);
        const parsed = processor.mine(records, base + 1);
        for (const a of processor.detect(parsed)) {
          const id = a.evidence.at(-1);
          if (id !== undefined && id >= 1 && id <= total) {
            report(
              {
                detector: a.detector,
                score: a.score,
                severity: a.severity,
                reason: a.description,
                evidence: a.evidence,
              },
              id - 1,
            );
          }
        }
        await new Promise((done) => setImmediate(done));
      } else {
        const result = await options.persist!.submit(records);
        const indexOf = new Map<number, number>();
        for (const [i, r] of result.records.entries()) indexOf.set(r.id, base + i);
        for (const a of result.anomalies) {
          const id = [...a.evidence].reverse().find((e) => indexOf.has(e));
          if (id === undefined) continue;
          report(
            {
              detector: a.detector,
              score: a.score,
              severity: a.severity,
              reason: a.description ?? a.explanation?.summary ?? a.type,
              evidence: a.evidence,
            },
            indexOf.get(id)!,
          );
        }
      }
      previous = batch;
      batch = [];
    };

    for await (const input of inputs) {
      batch.push(input);
      total++;
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length > 0) await flush();

    const anomalies = [...byIndex.values()].sort((a, b) => a.index - b.index);
    const seconds = (performance.now() - started) / 1000;
    this.analysesTotal++;
    this.anomaliesTotal += anomalies.length;
    for (const listener of this.listeners) listener({ events: total, anomalies: anomalies.length, seconds });
    return {
      total_events: total,
      anomalies_detected: anomalies.length,
      anomalies,
      analysis_time_ms: Math.round(seconds * 10_000) / 10,
      model_version: this.modelVersion,
    };
  }
}

function checkProcessorState(m: LoadedModel, config: Config, clock: Clock) {
  const content = m.content;
  if (!isJsonObject(content) || (content.detectors !== undefined && !isJsonObject(content.detectors)))
    throw new UserError(`${m.file}: expected {"miner": …, "detectors": {…}}`, "bad_model_dir");
  const state = {
    ...(content.miner !== undefined ? { miner: content.miner as unknown } : {}),
    ...(isJsonObject(content.detectors) ? { detectors: content.detectors } : {}),
  };
  try {
    // Importing into a throw-away processor proves the state fits the running code before it is used.
    createProcessor(config, clock).importState(state);
  } catch (error) {
    throw new UserError(
      `${m.file} does not fit this version of Logwarden: ${(error as Error).message}`,
      "bad_model_dir",
    );
  }
  return state;
}

function checkScoreModel(m: LoadedModel): ScoreModel {
  try {
    return loadScoreModel(m.content);
  } catch (error) {
    throw new UserError(`${m.file} is not a scoring model: ${(error as Error).message}`, "bad_model_dir");
  }
}
