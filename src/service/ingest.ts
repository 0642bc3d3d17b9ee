import type { JsonObject } from "../core/json.js";
import type { LogRecord } from "../core/log-record.js";
import { isoUtc } from "../core/time.js";
import { decodeLine, levelWordNumber } from "../parsers/decoders/index.js";
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

/** Something a log said that was not taken as given; the record was stored anyway. */
export interface IngestWarning {
  /** 0-based position of the log in the request. */
  index: number;
  field: "timestamp" | "level" | "service";
  message: string;
}

/** Every warning counted, the first few shown: a large request with one recurring problem stays small. */
export interface IngestWarnings {
  count: number;
  samples: IngestWarning[];
}

export interface IngestResponse {
  ingested: number;
  scores: { service: string; score: number }[];
  incidents: StoredIncident[];
  ml_error?: string;
  warnings?: IngestWarnings;
}

export const WARNING_SAMPLES = 10;

/**
 * A time must name its year: the last resort of `isoFromText` is V8's `Date.parse`, which makes one up
 * for text without it ("Oct 11 22:14:15" and "day 10" become 2001, "12" becomes 2001-12-01).
 */
const NAMES_A_YEAR = /(^|\D)\d{4}(\D|$)/;

/** Whether the object has a key other than `except`; on the ingest hot path, so no key array is built. */
function hasKeyBesides(o: JsonObject, except?: string): boolean {
  for (const k in o) if (k !== except) return true;
  return false;
}

type Warn = (field: IngestWarning["field"], message: string) => void;

/** A value quoted in a warning, cut so one huge field cannot bloat the response. */
const quoted = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/**
 * System 004's log object as a record. `message` is decoded as the file and syslog sources decode a line
 * (`decodeLine`): a whole syslog line gives its time, host, program (the service), pid and severity, and
 * its header stays out of the template; a plain message stays as it is. What the client states
 * explicitly (`timestamp`, `service`, `level`, `metadata`) wins over what the message says. A value that
 * cannot be used is reported through `warn` instead of being replaced silently.
 */
export function recordFromIngestLog(
  log: IngestLog,
  observedAt: string,
  options: {
    warn?: Warn;
    /** The resource of a record whose message names no host: lets records of one service share one. */
    resourceFor?: (service: string) => JsonObject;
  } = {},
): LogRecord {
  const warn = options.warn ?? (() => {});
  const decoded = decodeLine(log.message, { observedAt });

  // Decoders stamp a record that carries no time with `observedAt`.
  let timestamp = decoded.timestamp;
  if (log.timestamp) {
    const given = NAMES_A_YEAR.test(log.timestamp) ? isoFromText(log.timestamp) : null;
    if (given) timestamp = given;
    else
      warn(
        "timestamp",
        `${quoted(log.timestamp)} is not an ISO-8601 time; stored with ${
          timestamp === observedAt ? "the time it was received" : "the time written in the message"
        } (${timestamp})`,
      );
  }

  let severityText = decoded.severityText;
  let severityNumber = decoded.severityNumber;
  if (log.level) {
    severityText = log.level;
    severityNumber = levelWordNumber(log.level);
    if (severityNumber === 0)
      warn("level", `${quoted(log.level)} is not a known level; stored as given, with no severity`);
  }

  const named = decoded.resource["service.name"];
  const service = log.service || (typeof named === "string" && named !== "" ? named : "");
  if (!service)
    warn("service", 'no service given and the message names none; stored in the stream "unknown"');
  const stream = service || "unknown";
  // Most messages carry no host: their records share one resource object per service.
  const resource = hasKeyBesides(decoded.resource, "service.name")
    ? { ...decoded.resource, "service.name": stream }
    : (options.resourceFor?.(stream) ?? { "service.name": stream });

  const metadata = (log.metadata ?? {}) as JsonObject;
  return {
    timestamp,
    observedTimestamp: observedAt,
    severityText,
    severityNumber,
    body: decoded.body,
    attributes: hasKeyBesides(decoded.attributes) ? { ...decoded.attributes, ...metadata } : metadata,
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
  const warnings: IngestWarnings = { count: 0, samples: [] };
  const records = logs.map((log, index) =>
    recordFromIngestLog(log, observedAt, {
      warn: (field, message) => {
        if (warnings.count++ < WARNING_SAMPLES) warnings.samples.push({ index, field, message });
      },
      resourceFor: resourceOf,
    }),
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
  const response: IngestResponse = {
    ingested: records.length,
    scores: [],
    incidents: [],
    ...(warnings.count > 0 ? { warnings } : {}),
  };
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
