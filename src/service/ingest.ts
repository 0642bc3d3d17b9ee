import type { Kysely } from "kysely";
import { lineLimitOf } from "../config/schema.js";
import { isJsonObject, type JsonValue } from "../core/json.js";
import { lineTooLong } from "../core/line-limit.js";
import { isoUtc } from "../core/time.js";
import type { IngestResult } from "../pipeline/ingest-pipeline.js";
import { insertIncident, type NewIncident, type StoredIncident } from "../store/repos/incidents.js";
import type { Database } from "../store/schema.js";
import type { DecodedIngestRecords } from "./decoded-ingest-records.js";
import type { IdempotentAnswer, KeyedAttempt } from "./idempotent-requests.js";
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
 *
 * `keyed`: the request carries `Idempotency-Key` (idempotent-requests.ts). Its key is written with the
 * logs, with what the answer needs from the detectors; the incidents and the answer are written in one
 * transaction, so a resend never opens an incident twice.
 */
export async function ingestLogs(
  rt: Runtime,
  body: IngestLog[] | DecodedIngestRecords,
  keyed?: KeyedAttempt,
): Promise<IngestResponse> {
  const records = ingestSource(rt, body);
  const idempotent = keyed?.submission((result) => detectorShare(records, result));
  const result = await rt.ingest.submit(records, undefined, idempotent ? { idempotent } : undefined);
  // This node's pipeline and a cluster's hand-off read every record; `finish` makes sure of it.
  records.finish();
  return answerIngest(rt, records, detectorShare(records, result), keyed);
}

/**
 * A keyed `POST /ingest` whose logs an earlier attempt stored and never answered (the process stopped in
 * between): the answer from the body read again and the detectors' share the key kept, nothing stored.
 */
export async function finishIngest(
  rt: Runtime,
  body: IngestLog[] | DecodedIngestRecords,
  partial: JsonValue | null,
  keyed: KeyedAttempt,
): Promise<IngestResponse> {
  const records = ingestSource(rt, body);
  records.finish();
  return answerIngest(rt, records, detectorShareOf(partial), keyed);
}

function ingestSource(rt: Runtime, body: IngestLog[] | DecodedIngestRecords): IngestSource {
  const limit = lineLimitOf(rt.config);
  if (Array.isArray(body) && limit.onTooLong === "refuse") {
    // Refused whole, before anything is stored (a decode thread hands such a body back to the loop).
    const over = tooLongLog(body, limit.maxBytes);
    if (over) throw lineTooLong(over.bytes, limit.maxBytes, `log ${over.index}`);
  }
  return Array.isArray(body)
    ? new IngestRecords(body, isoUtc(rt.clock.now()), rt.config.mlUrl !== undefined, limit)
    : body;
}

/**
 * What the answer needs from the detectors: each service's highest anomaly score among its logs, and the
 * ids of the anomalies the request raised (a cluster node's hand-off reports none: the owners detect).
 */
// A type, not an interface: it is kept as JSON with the key, and only a type literal is a JsonValue.
type DetectorShare = {
  scores: Record<string, number>;
  anomalyIds: number[];
};

function detectorShare(records: IngestSource, result: IngestResult): DetectorShare {
  const byRef = new Map<number, number>();
  for (const anomaly of result.anomalies) {
    for (const id of anomaly.evidence) byRef.set(id, Math.max(byRef.get(id) ?? 0, anomaly.score));
  }
  const scores: Record<string, number> = {};
  for (const [service, { indexes }] of records.groups) {
    // A loop, not Math.max(...): one argument per line overflowed the stack on a 250,000-line body.
    let score = 0;
    for (const i of indexes) score = Math.max(score, byRef.get(result.refs[i] ?? -1) ?? 0);
    scores[service] = score;
  }
  return { scores, anomalyIds: result.anomalies.map((a) => a.id) };
}

/** A share kept with a key (`detectorShare` as JSON); nothing usable reads as no anomalies. */
function detectorShareOf(partial: JsonValue | null): DetectorShare {
  const share: DetectorShare = { scores: {}, anomalyIds: [] };
  if (!isJsonObject(partial)) return share;
  if (isJsonObject(partial.scores))
    for (const [service, score] of Object.entries(partial.scores))
      if (typeof score === "number") share.scores[service] = score;
  if (Array.isArray(partial.anomalyIds))
    for (const id of partial.anomalyIds) if (typeof id === "number") share.anomalyIds.push(id);
  return share;
}

/** Scores each service group and opens the incidents (with the answer, in one transaction, when keyed). */
async function answerIngest(
  rt: Runtime,
  records: IngestSource,
  share: DetectorShare,
  keyed: KeyedAttempt | undefined,
): Promise<IngestResponse> {
  const warnings = records.warnings;
  const scorer: Scorer = rt.config.mlUrl
    ? externalScorer(rt.config.mlUrl)
    : async (_s, _l, f) => onlineScore(f);
  const response: IngestResponse = {
    ingested: records.length,
    scores: [],
    incidents: [],
    ...(warnings.count > 0 || warnings.times_not_read ? { warnings } : {}),
  };
  // Opened after scoring: a group scored before the scorer failed still gets its incident, as before.
  const opening: NewIncident[] = [];
  try {
    for (const [service, { indexes, tally }] of records.groups) {
      const features = tally.features(share.scores[service] ?? 0);
      const score = await scorer(service, records.keepLogs ? records.logsAt(indexes) : [], features);
      response.scores.push({ service, score });
      if (score > rt.config.threshold)
        opening.push({
          detectedAt: isoUtc(rt.clock.now()),
          service,
          severity: incidentSeverity(score),
          summary: tally.summary(service, features),
          features: { ...features, score },
          anomalyIds: share.anomalyIds,
        });
    }
  } catch (error) {
    if (!(error instanceof ScorerUnavailableError)) throw error;
    rt.log.warn({ err: error.message }, "external scorer unavailable; logs stored without scores");
    response.scores = [];
    response.ml_error = error.message;
  }
  const open = async (db: Kysely<Database>) => {
    for (const incident of opening) response.incidents.push(await insertIncident(db, incident));
  };
  if (!keyed) {
    if (opening.length > 0) await open(rt.store.db);
    return response;
  }
  await rt.store.transaction(async (tx) => {
    response.incidents = [];
    await open(tx.db);
    await keyed.recordAnswer(tx.db, ingestAnswer(response));
  });
  return response;
}

/** `/ingest`'s answer as a keyed request records it and gives it again. */
export function ingestAnswer(response: IngestResponse): IdempotentAnswer {
  return { status: 200, type: "application/json; charset=utf-8", body: response as unknown as JsonValue };
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
