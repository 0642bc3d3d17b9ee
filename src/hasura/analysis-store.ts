import type { DatasetStats, FieldStats } from "./dataset-stats.js";
import type { QueryShape } from "./graphql-query.js";
import { queryHash } from "./hash.js";
import type { QueryAnalysis } from "./query-analysis.js";
import { clip, type HasuraDb } from "./tables.js";

/** Contract §4.9.2: an analysis is stored only when something was found. */
export function qualifies(analysis: QueryAnalysis, statisticalFlags: number): boolean {
  return analysis.anomalies_detected || statisticalFlags > 0 || analysis.records.length > 0;
}

const SEVERITY: Record<string, number> = { low: 0.3, medium: 0.6, high: 0.9, critical: 1.0 };
const RISK = (level: string): "LOW" | "MEDIUM" | "HIGH" => {
  const up = level.toUpperCase();
  return up === "LOW" || up === "HIGH" ? up : up === "CRITICAL" ? "HIGH" : "MEDIUM";
};

export interface StoredAnalysisInput {
  queryId: string;
  operationName: string | null;
  user: string | null;
  role: string | null;
  processedRecords: number;
  historicalDataSize: number;
  analysis: QueryAnalysis;
  newStats: DatasetStats;
  recommendations: readonly string[];
  timestamp: string;
}

function numericColumns(field: FieldStats) {
  const stats = "numeric_stats" in field ? field.numeric_stats : null;
  return stats
    ? {
        min_value: stats.min,
        max_value: stats.max,
        mean_value: stats.mean,
        median_value: stats.median,
        std_dev: stats.std,
      }
    : {};
}

/** Writes one analysis and its child rows in one transaction (contract §4.9.2); returns its id. */
export async function storeAnalysis(db: HasuraDb, input: StoredAnalysisInput): Promise<number> {
  const a = input.analysis;
  return db.transaction().execute(async (tx) => {
    const { id } = await tx
      .insertInto("anomaly_analyses")
      .values({
        query_id: clip(input.queryId, 255)!,
        timestamp: input.timestamp,
        operation_name: clip(input.operationName, 255),
        user_id: clip(input.user, 255),
        role: clip(input.role, 100),
        processed_records: input.processedRecords,
        anomalous_records_count: a.records.length,
        historical_data_size: input.historicalDataSize,
        analysis_mode: clip(a.analysis_mode, 50),
        anomalies_detected: a.anomalies_detected ? 1 : 0,
        status: "completed",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const analysisId = Number(id);

    const overall = await tx
      .insertInto("anomaly_records")
      .values({
        analysis_id: analysisId,
        category: "overall_statistics",
        reason: "Dataset-wide statistics",
        record_index: -1,
        risk_level: "LOW",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    for (const [name, field] of Object.entries(input.newStats.fields)) {
      const cat = field.type === "categorical" && "stats" in field ? field.stats : null;
      const stat = await tx
        .insertInto("field_statistics")
        .values({
          record_id: Number(overall.id),
          field_name: clip(name, 255)!,
          field_type: clip(field.type, 50),
          avg_length: cat?.avg_length ?? null,
          unique_count: cat?.unique_count ?? null,
          uniqueness_ratio: cat?.uniqueness_ratio ?? null,
          ...numericColumns(field),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const values = Object.entries(cat?.value_distribution ?? {});
      for (let i = 0; i < values.length; i += 500) {
        await tx
          .insertInto("value_distributions")
          .values(
            values.slice(i, i + 500).map(([value, count]) => ({
              field_statistic_id: Number(stat.id),
              value: clip(value, 255),
              count,
            })),
          )
          .execute();
      }
    }

    for (const r of a.records) {
      await tx
        .insertInto("anomaly_records")
        .values({
          analysis_id: analysisId,
          category: clip(r.category, 100),
          reason: r.reason,
          record_index: r.record_index,
          risk_level: RISK(r.risk_level),
        })
        .execute();
      await tx
        .insertInto("statistical_flags")
        .values({
          analysis_id: analysisId,
          flag_type: clip(r.category, 100),
          description: r.reason,
          severity: SEVERITY[r.risk_level] ?? 0.5,
        })
        .execute();
    }
    for (const description of a.query_pattern_analysis.concerns) {
      await tx.insertInto("query_concerns").values({ analysis_id: analysisId, description }).execute();
    }
    for (const description of input.recommendations) {
      await tx.insertInto("recommendations").values({ analysis_id: analysisId, description }).execute();
    }
    return analysisId;
  });
}

const PAGINATION = new Set(["first", "last", "limit", "offset", "page", "pageSize"]);
const FILTERING = new Set(["filter", "where", "search", "query", "conditions"]);
const SORTING = new Set(["orderBy", "sortBy", "sort", "order", "orderByDirection"]);

export interface PatternInput {
  query: string;
  shape: QueryShape;
  variables: unknown;
  role: string;
  isAnomalous: boolean;
  createdAt: string;
}

/** Records one query pattern and its nine features (contract §4.9.3); returns its id. */
export async function storeQueryPattern(db: HasuraDb, input: PatternInput): Promise<number> {
  const { shape } = input;
  const has = (set: Set<string>) => shape.arguments.some((a) => set.has(a));
  const complexity = 2 * shape.fields.length + 3 * shape.maxDepth + 1.5 * shape.arguments.length;
  const variablesJson =
    input.variables === null || input.variables === undefined ? null : JSON.stringify(input.variables);
  return db.transaction().execute(async (tx) => {
    const { id } = await tx
      .insertInto("query_patterns")
      .values({
        // [Decision] MD5 of the query text + JSON of the variables; consumers treat it as opaque.
        query_hash: queryHash(input.query + (variablesJson ?? "null")),
        operation_name: clip(shape.operationName, 255),
        query_text: input.query,
        variables_json: variablesJson,
        complexity_score: Math.round(complexity * 100) / 100,
        user_role: clip(input.role, 50)!,
        is_anomalous: input.isAnomalous ? 1 : 0,
        created_at: input.createdAt,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const features: [string, number, "int" | "bool" | "float"][] = [
      ["query_length", [...input.query].length, "int"],
      ["depth", shape.maxDepth, "int"],
      ["fields", shape.fields.length, "int"],
      ["arguments", shape.arguments.length, "int"],
      ["variables", shape.variables.length, "int"],
      ["has_pagination", has(PAGINATION) ? 1 : 0, "bool"],
      ["has_filtering", has(FILTERING) ? 1 : 0, "bool"],
      ["has_sorting", has(SORTING) ? 1 : 0, "bool"],
      ["complexity_score", complexity, "float"],
    ];
    await tx
      .insertInto("query_features")
      .values(
        features.map(([feature_name, feature_value, feature_type]) => ({
          pattern_id: Number(id),
          feature_name,
          feature_value,
          feature_type,
        })),
      )
      .execute();
    return Number(id);
  });
}
