import type { JsonObject, JsonValue } from "../core/json.js";
import { compareStats } from "./comparison.js";
import { type DatasetStats, datasetStats } from "./dataset-stats.js";
import { buildUserMessage, callAnthropic, type LlmSettings, parseLlmAnalysis } from "./llm.js";
import type { AnalysisRecord, RuleFindings } from "./query-rules.js";

/** `query_analysis` (contract §4.8): baseline, comparative (LLM), statistical (no LLM) or error. */
export interface QueryAnalysis {
  anomalies_detected: boolean;
  records: AnalysisRecord[];
  query_pattern_analysis: { typical: boolean; concerns: string[]; recommendations: string[] };
  analysis_mode: "baseline" | "comparative" | "statistical" | "error";
  query_hash: string;
  operation_name: string | null;
  statistical_analysis?: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface AnalysisInput {
  queryHash: string;
  operationName: string | null;
  role: string | null;
  query: string | null;
  variables: JsonValue;
  /** The dataset's records, unwrapped. */
  records: readonly JsonObject[];
  datasetLength: number;
  /** The history before this dataset (§4.8.2 [Decision]). */
  historyBefore: readonly JsonObject[];
  rules: RuleFindings;
  llm: LlmSettings | null;
  timestamp: string;
}

/** Adds the rule findings to an analysis: they never replace what the LLM said, and never hide an error. */
function withRules(analysis: QueryAnalysis, rules: RuleFindings): QueryAnalysis {
  const qpa = analysis.query_pattern_analysis;
  return {
    ...analysis,
    anomalies_detected: analysis.anomalies_detected || rules.alarming || rules.records.length > 0,
    records: [...analysis.records, ...rules.records],
    query_pattern_analysis: {
      typical: qpa.typical && rules.concerns.length === 0,
      concerns: [...qpa.concerns, ...rules.concerns],
      recommendations: [...qpa.recommendations, ...rules.recommendations],
    },
  };
}

export async function analyseQuery(
  input: AnalysisInput,
): Promise<{ analysis: QueryAnalysis; newStats: DatasetStats }> {
  const newStats = datasetStats(input.records);
  const context = { query_hash: input.queryHash, operation: input.operationName, role: input.role };
  const base = { query_hash: input.queryHash, operation_name: input.operationName };

  if (input.historyBefore.length === 0) {
    const analysis: QueryAnalysis = {
      anomalies_detected: false,
      records: [],
      query_pattern_analysis: {
        typical: true,
        concerns: [],
        recommendations: ["Continue collecting baseline data"],
      },
      analysis_mode: "baseline",
      ...base,
      statistical_analysis: {
        new_data_stats: newStats,
        historical_comparison: null,
        baseline_established: true,
      },
      metadata: {
        historical_queries_analyzed: 0,
        new_records_analyzed: input.records.length,
        timestamp: input.timestamp,
        query_context: context,
        status: "initializing_history",
      },
    };
    return { analysis: withRules(analysis, input.rules), newStats };
  }

  const historicalStats = datasetStats(input.historyBefore);
  const { comparison, significant } = compareStats(newStats, historicalStats);
  const statistical = {
    new_data_stats: newStats,
    historical_comparison: comparison,
    significant_changes: significant,
  };
  const metadata = (status: string) => ({
    historical_queries_analyzed: input.historyBefore.length,
    new_records_analyzed: input.records.length,
    timestamp: input.timestamp,
    query_context: context,
    status,
  });

  if (!input.llm) {
    const analysis: QueryAnalysis = {
      anomalies_detected: false,
      records: [],
      query_pattern_analysis: { typical: true, concerns: [], recommendations: [] },
      analysis_mode: "statistical",
      ...base,
      statistical_analysis: statistical,
      metadata: metadata("llm_disabled"),
    };
    return { analysis: withRules(analysis, input.rules), newStats };
  }

  try {
    const message = buildUserMessage(
      {
        queryHash: input.queryHash,
        operationName: input.operationName,
        role: input.role,
        query: input.query,
        variables: input.variables,
        mode: "comparative",
        newStats,
        historicalStats,
        records: input.records,
      },
      input.llm,
    );
    const parsed = parseLlmAnalysis(await callAnthropic(input.llm, message), input.datasetLength);
    const analysis: QueryAnalysis = {
      ...parsed,
      ...base,
      analysis_mode: "comparative",
      statistical_analysis: statistical,
      metadata: metadata("active"),
    };
    return { analysis: withRules(analysis, input.rules), newStats };
  } catch (error) {
    const reason =
      error instanceof Error && error.name === "TimeoutError"
        ? "LLM request timed out"
        : (error as Error).message;
    const analysis: QueryAnalysis = {
      anomalies_detected: false,
      records: [],
      query_pattern_analysis: {
        typical: true,
        concerns: [`Analysis error: ${reason}`],
        recommendations: ["Verify system configuration"],
      },
      analysis_mode: "error",
      ...base,
      metadata: { error: reason, timestamp: input.timestamp, status: "error" },
    };
    return { analysis: withRules(analysis, input.rules), newStats };
  }
}
