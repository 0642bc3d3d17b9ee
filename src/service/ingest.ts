import { lineLimitOf } from "../config/schema.js";
import { lineTooLong } from "../core/line-limit.js";
import { isoUtc } from "../core/time.js";
import { insertIncident, type StoredIncident } from "../store/repos/incidents.js";
import type { DecodedIngestRecords } from "./decoded-ingest-records.js";
import {
  type IngestLog,
  IngestRecords,
  type IngestSource,
  type IngestWarnings,
  tooLongLog,
} from "./ingest-records.js";
import type { Runtime } from "./runtime.js";
import { type GroupFeatures, incidentSeverity, onlineScore } from "./scoring.js";

export interface IngestResponse {
  ingested: number;
  scores: { service: string; score: number }[];
  incidents: StoredIncident[];
  ml_error?: string;
  warnings?: IngestWarnings;
}

type Scorer = (service: string, logs: readonly IngestLog[], features: GroupFeatures) => Promise<number>;

/**
 * `POST /ingest`: stores every log (committed before we answer), scores each service group, and records
 * an incident for each group whose score is strictly above THRESHOLD. An unreachable external scorer
 * never loses logs: they are stored and the response carries `ml_error`.
 *
 * `body` is the request's parsed body, and is consumed: each log is let go (its slot emptied) once
 * decoded, unless an external scorer is to be sent them, so a log lives for its slice of the pipeline
 * rather than until the answer. Or it is the body decoded already on a decode thread.
 */
export async function ingestLogs(
  rt: Runtime,
  body: IngestLog[] | DecodedIngestRecords,
): Promise<IngestResponse> {
  const limit = lineLimitOf(rt.config);
  if (Array.isArray(body) && limit.onTooLong === "refuse") {
    // Refused whole, before anything is stored (a decode thread hands such a body back to the loop).
    const over = tooLongLog(body, limit.maxBytes);
    if (over) throw lineTooLong(over.bytes, limit.maxBytes, `log ${over.index}`);
  }
  const records: IngestSource = Array.isArray(body)
    ? new IngestRecords(body, isoUtc(rt.clock.now()), rt.config.mlUrl !== undefined, limit)
    : body;
  const result = await rt.ingest.submit(records);
  // This node's pipeline and a cluster's hand-off read every record; `finish` makes sure of it.
  records.finish();
  const warnings = records.warnings;

  const detectorScores = new Map<number, number>();
  for (const anomaly of result.anomalies) {
    for (const id of anomaly.evidence)
      detectorScores.set(id, Math.max(detectorScores.get(id) ?? 0, anomaly.score));
  }

  const scorer: Scorer = rt.config.mlUrl
    ? externalScorer(rt.config.mlUrl)
    : async (_s, _l, f) => onlineScore(f);
  const response: IngestResponse = {
    ingested: records.length,
    scores: [],
    incidents: [],
    ...(warnings.count > 0 || warnings.times_not_read ? { warnings } : {}),
  };
  try {
    for (const [service, { indexes, tally }] of records.groups) {
      // A loop, not Math.max(...): one argument per line overflowed the stack on a 250,000-line body.
      let detectorScore = 0;
      for (const i of indexes)
        detectorScore = Math.max(detectorScore, detectorScores.get(result.refs[i] ?? -1) ?? 0);
      const features = tally.features(detectorScore);
      const score = await scorer(service, records.keepLogs ? records.logsAt(indexes) : [], features);
      response.scores.push({ service, score });
      if (score > rt.config.threshold) {
        const incident = await insertIncident(rt.store.db, {
          detectedAt: isoUtc(rt.clock.now()),
          service,
          severity: incidentSeverity(score),
          summary: tally.summary(service, features),
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
