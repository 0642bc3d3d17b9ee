import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { JsonObject, JsonValue } from "../core/json.js";
import type { Store } from "../store/db.js";
import { qualifies, storeAnalysis, storeQueryPattern } from "./analysis-store.js";
import { writeAnomalyFile } from "./anomaly-files.js";
import { type DatasetDetection, StatisticalDetector } from "./detector.js";
import { compileExclusions, type Exclusions } from "./exclusions.js";
import { unwrapRecord } from "./features.js";
import { parseQueryShape, type QueryShape } from "./graphql-query.js";
import { clearHistory, countHistory, loadHistory } from "./history-store.js";
import type { LlmSettings } from "./llm.js";
import { type ModelInfo, ModelStore } from "./model-store.js";
import { analyseQuery, type QueryAnalysis } from "./query-analysis.js";
import { loadProfile, observe, type QueryProfile, saveProfile } from "./query-profile.js";
import { evaluateRules } from "./query-rules.js";
import { type CleanupSummary, cleanup } from "./retention.js";
import { type HasuraDb, hasuraDb } from "./tables.js";
import { localIso } from "./time.js";

/** The request context of contract §4.4 step 2. */
export interface RequestContext {
  query: string | null;
  queryHash: string;
  variables: JsonValue;
  operationName: string | null;
  user: string | null;
  role: string | null;
  timestamp: string;
  rawRequest: JsonValue;
}

export type DatasetResult = Record<string, unknown>;

export class RequestError extends Error {}

/** System 003's use-cases: `/anomalies`, `/analyze/{id}`, history, model and stats, retention. */
export class HasuraService {
  readonly exclusions: Exclusions;
  readonly detector: StatisticalDetector;
  readonly #db: HasuraDb;
  readonly #llm: LlmSettings | null;

  constructor(
    private readonly config: Config["hasura"],
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.#db = hasuraDb(store);
    this.exclusions = compileExclusions(config.excludedDatasets, log);
    if (config.skipPatterns) log.warn("SKIP_PATTERNS is set but has no effect (the original never used it)");
    this.detector = new StatisticalDetector(
      this.#db,
      new ModelStore(this.#db, log),
      {
        contamination: config.anomalyThreshold,
        minimumTrainingRecords: config.minimumTrainingRecords,
        maxHistoricalRecords: config.maxHistoricalRecords,
        retrainThreshold: config.retrainThreshold,
      },
      log,
    );
    this.#llm = config.anthropicApiKey
      ? {
          apiKey: config.anthropicApiKey,
          baseUrl: config.anthropicBaseUrl,
          model: config.claudeModel,
          timeoutMs: config.llmTimeoutMs,
          maxPromptTokens: config.maxTokens,
          maxRecords: config.maxRecordsPerBatch,
        }
      : null;
  }

  now(): string {
    return localIso(this.clock.now());
  }

  /**
   * Contract §4.4 after validation: each dataset of `response.data` analysed in document order, then one
   * query pattern. Throws `RequestError` for the contract's 500 cases.
   */
  async processAnomalies(ctx: RequestContext, data: unknown): Promise<Record<string, unknown>> {
    if (ctx.query === null) throw new RequestError("rawRequest.query is null");
    if (data === null || data === undefined) throw new RequestError("response.data is missing or null");
    if (typeof data !== "object" || Array.isArray(data))
      throw new RequestError("response.data is not an object");
    let shape: QueryShape | null = null;
    let parseError: Error | null = null;
    try {
      shape = parseQueryShape(ctx.query);
    } catch (error) {
      parseError = error as Error;
    }
    const profile = await loadProfile(this.store.db, ctx.queryHash);
    const results: Record<string, DatasetResult> = {};
    const skipped: string[] = [];
    let totalRecords = 0;
    let totalAnomalies = 0;
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      if (isEmpty(value)) continue;
      if (this.exclusions.matches(key)) {
        skipped.push(key);
        continue;
      }
      // [Decision] a single object is a one-element dataset (the original iterated over its keys).
      const records = Array.isArray(value) ? value : [value];
      totalRecords += records.length;
      try {
        const result = await this.#analyseDataset(
          ctx,
          records,
          shape,
          profile,
          `${ctx.queryHash}_${ctx.operationName ?? "null"}_${key}`,
        );
        results[key] = result;
        totalAnomalies += typeof result.statistical_flags === "number" ? result.statistical_flags : 0;
      } catch (error) {
        this.log.error({ err: error, dataset: key, query_hash: ctx.queryHash }, "dataset analysis failed");
        results[key] = {
          error: (error as Error).message,
          timestamp: ctx.timestamp,
          status: "error",
          dataset: key,
        };
      }
    }
    await saveProfile(
      this.store.db,
      ctx.queryHash,
      observe(profile, ctx.role, asVariables(ctx.variables)),
      isoNow(this.clock),
    );
    if (Object.keys(results).length > 0) {
      if (parseError || !shape) throw new RequestError(`could not parse the query: ${parseError?.message}`);
      try {
        await storeQueryPattern(this.#db, {
          query: ctx.query,
          shape,
          variables: ctx.variables,
          role: ctx.role ?? "",
          isAnomalous: totalAnomalies > 0,
          createdAt: isoNow(this.clock),
        });
      } catch (error) {
        throw new RequestError(`could not store the query pattern: ${(error as Error).message}`);
      }
    }
    return {
      results,
      metadata: {
        timestamp: ctx.timestamp,
        query_hash: ctx.queryHash,
        operation_name: ctx.operationName,
        total_records: totalRecords,
        total_anomalies: totalAnomalies,
        datasets_processed: Object.keys(results).length,
        datasets_skipped: skipped,
        status: "completed",
      },
    };
  }

  /** `POST /analyze/{id}`: one record as a one-element dataset, without query, role or user (§4.10). */
  analyzeOne(queryId: string, record: JsonObject): Promise<DatasetResult> {
    const ctx: RequestContext = {
      query: null,
      queryHash: queryId,
      variables: null,
      operationName: null,
      user: null,
      role: null,
      timestamp: this.now(),
      rawRequest: null,
    };
    return this.#analyseDataset(ctx, [record], null, null, `${queryId}_single`);
  }

  async #analyseDataset(
    ctx: RequestContext,
    dataset: readonly unknown[],
    shape: QueryShape | null,
    profile: QueryProfile | null,
    storageKey: string,
  ): Promise<DatasetResult> {
    const detection = await this.detector.detect(ctx.queryHash, dataset, () => this.clock.now());
    const base = {
      statistical_flags: detection.flagged.length,
      statistical_details: detection.flagged,
      processed_records: dataset.length,
    };
    let analysis: QueryAnalysis;
    let newStats: Awaited<ReturnType<typeof analyseQuery>>["newStats"];
    try {
      const rules = evaluateRules({
        shape,
        records: detection.records,
        recordIndexes: detection.recordIndexes,
        role: ctx.role,
        variables: asVariables(ctx.variables),
        profile,
      });
      ({ analysis, newStats } = await analyseQuery({
        queryHash: ctx.queryHash,
        operationName: ctx.operationName,
        role: ctx.role,
        query: ctx.query,
        variables: ctx.variables,
        records: detection.records,
        datasetLength: dataset.length,
        historyBefore: detection.historyBefore,
        rules,
        llm: this.#llm,
        timestamp: ctx.timestamp,
      }));
    } catch (error) {
      // Contract §4.6: the fallback shape for a failure after the per-record loop.
      const reason = (error as Error).message;
      return {
        error: reason,
        error_details: detection.errors,
        ...base,
        metadata: {
          timestamp: ctx.timestamp,
          query_hash: ctx.queryHash,
          operation_name: ctx.operationName,
          historical_data_size: detection.historicalDataSize,
          error: reason,
        },
      };
    }
    const recommendations = analysis.query_pattern_analysis.recommendations;
    const result: DatasetResult = {
      query_analysis: analysis,
      query_hash: ctx.queryHash,
      operation_name: ctx.operationName,
      ...base,
      anomalous_records: detection.flagged.length,
      recommendations,
      security_concerns: analysis.records
        .filter((r) => r.category === "security_concern")
        .map((r) => ({ ...r, type: r.category, severity: r.risk_level })),
      metadata: {
        timestamp: ctx.timestamp,
        query_hash: ctx.queryHash,
        operation_name: ctx.operationName,
        historical_data_size: detection.historicalDataSize,
        errors: detection.errors.length > 0 ? detection.errors : null,
      },
      // The seed README's shape, kept as a superset (contract §4.6 [Decision]).
      is_anomaly: detection.flagged.length > 0,
      score: detection.minScore,
      // Beyond the contract: whether the model is still learning (records not scored yet) and why.
      model_details: {
        model_type: "isolation_forest",
        features_used: detection.featuresUsed,
        status: detection.outcomes.some((o) => o.reason === "insufficient_history")
          ? "insufficient_history"
          : detection.featuresUsed > 0
            ? "active"
            : "no_model",
        minimum_training_records: this.config.minimumTrainingRecords,
        pending_updates: detection.pendingUpdates,
        retrain_threshold: this.config.retrainThreshold,
      },
    };
    if (qualifies(analysis, detection.flagged.length)) {
      await this.#persist(ctx, dataset, detection, analysis, newStats, recommendations, storageKey, result);
    }
    return result;
  }

  /** Contract §4.9.2 and §4.9.4; a failure is logged and never fails the request. */
  async #persist(
    ctx: RequestContext,
    dataset: readonly unknown[],
    detection: DatasetDetection,
    analysis: QueryAnalysis,
    newStats: Awaited<ReturnType<typeof analyseQuery>>["newStats"],
    recommendations: string[],
    storageKey: string,
    result: DatasetResult,
  ): Promise<void> {
    if (this.config.storageFiles) {
      try {
        result.file_path = await writeAnomalyFile(
          this.config.storagePath,
          storageKey,
          {
            timestamp: ctx.timestamp,
            query_hash: ctx.queryHash,
            operation_name: ctx.operationName,
            context: {
              raw_request: ctx.rawRequest,
              user: ctx.user,
              role: ctx.role,
              operation_name: ctx.operationName,
              query_hash: ctx.queryHash,
            },
            statistical_analysis: analysis.statistical_analysis ?? {},
            anomalies: {
              query_pattern_analysis: analysis.query_pattern_analysis,
              anomalous_records: analysis.records.map((r) => ({
                ...r,
                record: (dataset[r.record_index] ?? null) as JsonValue,
                statistical_context: statisticalContext(
                  detection.records,
                  unwrapRecord(dataset[r.record_index]),
                ),
              })),
            },
          },
          this.clock.now(),
        );
      } catch (error) {
        this.log.warn({ err: error, query_hash: ctx.queryHash }, "could not write the anomaly file");
      }
    }
    try {
      result.db_record_id = await storeAnalysis(this.#db, {
        queryId: ctx.queryHash,
        operationName: ctx.operationName,
        user: ctx.user,
        role: ctx.role,
        processedRecords: dataset.length,
        historicalDataSize: detection.historicalDataSize,
        analysis,
        newStats,
        recommendations,
        timestamp: isoNow(this.clock),
      });
    } catch (error) {
      this.log.error({ err: error, query_hash: ctx.queryHash }, "could not store the analysis");
    }
  }

  async history(queryId: string): Promise<{ count: number; data: JsonValue[] }> {
    const { entries } = await loadHistory(this.#db, queryId);
    return { count: entries.length, data: entries.map((e) => e.entry as unknown as JsonValue) };
  }

  clearHistory(queryId: string): Promise<void> {
    return clearHistory(this.#db, queryId, isoNow(this.clock));
  }

  historyCount(queryId: string): Promise<number> {
    return countHistory(this.#db, queryId);
  }

  modelInfo(queryId: string): Promise<ModelInfo> {
    return this.detector.models.info(queryId, this.now());
  }

  async cleanup(): Promise<CleanupSummary> {
    const { removedModelIds, ...summary } = await cleanup(
      this.#db,
      {
        historical: this.config.historicalRetentionDays,
        anomaly: this.config.anomalyRetentionDays,
        model: this.config.modelRetentionDays,
      },
      this.clock.now(),
      this.config.storageFiles ? this.config.storagePath : null,
    );
    for (const id of removedModelIds) this.detector.models.evict(id);
    return summary;
  }
}

function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

/** Contract §4.4: an empty or falsy dataset value is skipped silently. */
function isEmpty(value: unknown): boolean {
  if (!value) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value).length === 0;
}

function asVariables(value: JsonValue): Record<string, JsonValue> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
}

/** Per numeric field of a record: its z-score and percentile within the dataset (anomaly files, §4.9.4). */
function statisticalContext(
  records: readonly JsonObject[],
  record: JsonObject | null,
): Record<string, { z_score: number; percentile: number }> {
  const out: Record<string, { z_score: number; percentile: number }> = {};
  if (!record) return out;
  for (const [field, value] of Object.entries(record)) {
    if (typeof value !== "number") continue;
    const values = records.map((r) => r[field]).filter((v): v is number => typeof v === "number");
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    out[field] = {
      z_score: std === 0 ? 0 : (value - mean) / std,
      percentile: (100 * values.filter((v) => v <= value).length) / values.length,
    };
  }
  return out;
}
