import type { JsonObject } from "../core/json.js";
import type { LogRecord } from "../core/log-record.js";
import { severityNumberOf } from "../core/severity.js";
import { isoUtc } from "../core/time.js";
import { isoFromText } from "../parsers/decoders/iso-time.js";
import { insertIncident, type StoredIncident } from "../store/repos/incidents.js";
import type { Runtime } from "./runtime.js";
import {
  type GroupFeatures,
  groupFeatures,
  incidentSeverity,
  incidentSummary,
  onlineScore,
} from "./scoring.js";

/** System 004's log object (contracts §5.2). */
export interface IngestLog {
  timestamp?: string | undefined;
  service?: string | undefined;
  level?: string | undefined;
  message: string;
  /** Parsed from JSON, so every value is JSON. */
  metadata?: Record<string, unknown> | undefined;
}

export interface IngestResponse {
  ingested: number;
  scores: { service: string; score: number }[];
  incidents: StoredIncident[];
  ml_error?: string;
}

export function recordFromIngestLog(
  log: IngestLog,
  observedAt: string,
  resource: JsonObject = { "service.name": log.service || "unknown" },
): LogRecord {
  const level = log.level ?? null;
  return {
    timestamp: (log.timestamp ? isoFromText(log.timestamp) : null) ?? observedAt,
    observedTimestamp: observedAt,
    severityText: level,
    severityNumber: severityNumberOf(level),
    body: log.message,
    attributes: (log.metadata ?? {}) as JsonObject,
    resource,
  };
}

type Scorer = (service: string, logs: readonly IngestLog[], features: GroupFeatures) => Promise<number>;

/**
 * `POST /ingest`: stores every log (committed before we answer), scores each service group, and records
 * an incident for each group whose score is strictly above THRESHOLD. An unreachable external scorer
 * never loses logs: they are stored and the response carries `ml_error`.
 */
export async function ingestLogs(rt: Runtime, logs: readonly IngestLog[]): Promise<IngestResponse> {
  const observedAt = isoUtc(rt.clock.now());
  // One resource object per service, shared by its records (the store encodes it once per run).
  const resources = new Map<string, JsonObject>();
  const resourceOf = (service: string): JsonObject => {
    let resource = resources.get(service);
    if (!resource) {
      resource = { "service.name": service };
      resources.set(service, resource);
    }
    return resource;
  };
  const records = logs.map((log) =>
    recordFromIngestLog(log, observedAt, resourceOf(log.service || "unknown")),
  );
  const result = await rt.pipeline.submit(records);

  const groups = new Map<string, number[]>();
  records.forEach((r, i) => {
    const service = String(r.resource["service.name"]);
    const list = groups.get(service);
    if (list) list.push(i);
    else groups.set(service, [i]);
  });
  const detectorScores = new Map<number, number>();
  for (const anomaly of result.anomalies) {
    for (const id of anomaly.evidence)
      detectorScores.set(id, Math.max(detectorScores.get(id) ?? 0, anomaly.score));
  }

  const scorer: Scorer = rt.config.mlUrl
    ? externalScorer(rt.config.mlUrl)
    : async (_s, _l, f) => onlineScore(f);
  const response: IngestResponse = { ingested: records.length, scores: [], incidents: [] };
  try {
    for (const [service, indexes] of groups) {
      const groupRecords = indexes.map((i) => records[i]!);
      // A loop, not Math.max(...): one argument per line overflowed the stack on a 250,000-line body.
      let detectorScore = 0;
      for (const i of indexes)
        detectorScore = Math.max(detectorScore, detectorScores.get(result.records[i]!.id) ?? 0);
      const features = groupFeatures(groupRecords, detectorScore);
      const score = await scorer(
        service,
        indexes.map((i) => logs[i]!),
        features,
      );
      response.scores.push({ service, score });
      if (score > rt.config.threshold) {
        const incident = await insertIncident(rt.store.db, {
          detectedAt: isoUtc(rt.clock.now()),
          service,
          severity: incidentSeverity(score),
          summary: incidentSummary(service, groupRecords, features),
          features: { ...features, score },
          anomalyIds: result.anomalies.map((a) => a.id),
        });
        response.incidents.push(incident);
      }
    }
  } catch (error) {
    if (!(error instanceof ScorerUnavailableError)) throw error;
    rt.log.warn({ err: error.message }, "external scorer unavailable; logs stored without scores");
    response.scores = [];
    response.ml_error = error.message;
  }
  return response;
}

class ScorerUnavailableError extends Error {}

/** The original two-service deployment: POST `{logs}` to ML_URL, read `{score}` (contracts §5.4). */
function externalScorer(url: string): Scorer {
  return async (_service, logs) => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ logs }),
        signal: AbortSignal.timeout(5_000),
      });
    } catch (error) {
      throw new ScorerUnavailableError(`ML service unreachable at ${url}: ${(error as Error).message}`);
    }
    if (!res.ok) throw new ScorerUnavailableError(`ML service at ${url} answered ${res.status}`);
    const body = (await res.json().catch(() => null)) as { score?: unknown } | null;
    const score = Number(body?.score);
    if (!Number.isFinite(score))
      throw new ScorerUnavailableError(`ML service at ${url} returned no numeric score`);
    return score;
  };
}
