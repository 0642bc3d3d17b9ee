import type { Anomaly } from "../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus, StreamPartitioned } from "../core/detector.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import type { ParsedRecord } from "../core/log-record.js";
import {
  ERROR_SEVERITY_NUMBER,
  SEVERE_SEVERITY_NUMBER,
  severityFloor,
  severityFromScore,
} from "../core/severity.js";
import { UndoLog } from "../core/undo.js";
import { recordTimes } from "./batch-memo.js";
import { LruMap } from "./lru.js";
import { judgedBySecurityRules, recordEntities } from "./record-entities.js";
import { type Coverage, cover } from "./stream-clock.js";
import { exportStreamEntries, exportStreamOrder, importStreamOrder } from "./stream-map-partition.js";

export interface NewTemplateOptions {
  /** Records a stream must have seen before a new template counts as an anomaly. */
  warmupRecords: number;
  /** …and seconds of record time covered by the stream's records (a jump in time covers none). */
  warmupSecs: number;
  /** Streams tracked at most; the least recently seen is forgotten (and warms up again if it returns). */
  maxKeys?: number;
  /**
   * Leave lines at CRITICAL and above to the severe-event detector, which judges them with no warm-up
   * (a first-seen FATAL template is one of its findings): set when that detector runs.
   */
  leaveSevere?: boolean;
}

/**
 * Weight of one record in a stream's novelty rate: an average over about its last 250 records, short
 * enough that a service's start-up (its first lines are all new) is forgotten by the end of warm-up.
 */
const NOVELTY_ALPHA = 1 / 250;
/**
 * A stream that has lately produced a new template every 100 records or more often is still being
 * discovered (a sample of a long log, a young service): one more new shape below ERROR there is routine,
 * not a sign of change, and is not reported. Errors are reported whatever the rate.
 */
const ROUTINE_NOVELTY = 0.01;

interface StreamState extends Coverage {
  seen: number;
  /** Share of the stream's recent records that created a template (exponentially weighted). */
  novelty: number;
  firstAt: number;
  templatesAtWarmup: number;
  templates: number;
}

/**
 * Flags a template first seen after the stream's warm-up: a message shape this service has never
 * produced before (a new error, a new code path) is the most common first sign of a change.
 */
export class NewTemplateDetector implements Detector, StreamPartitioned {
  readonly name = "new_template";
  readonly #streams: LruMap<string, StreamState>;
  readonly undo = new UndoLog();

  constructor(readonly options: NewTemplateOptions) {
    this.#streams = new LruMap<string, StreamState>(options.maxKeys ?? 10_000).recordTo(this.undo, (s) => ({
      ...s,
    }));
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const times = recordTimes.of(batch);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      const at = times[i]!;
      let stream = this.#streams.get(record.origin);
      if (!stream) {
        stream = {
          seen: 0,
          novelty: 0,
          firstAt: at,
          latestAt: at,
          coveredMs: 0,
          templatesAtWarmup: 0,
          templates: 0,
        };
        this.#streams.set(record.origin, stream);
      }
      stream.seen++;
      const covered = cover(stream, at);
      // A known message with new values in it (the miner's variant) is not a new shape, and a stream's
      // first record is new whatever the stream is like.
      const created =
        record.templateChange === "created" && record.templateVariantOf === undefined && stream.seen > 1;
      const before = stream.novelty;
      stream.novelty += NOVELTY_ALPHA * ((created ? 1 : 0) - before);
      if (record.templateChange !== "created") continue;
      stream.templates++;
      if (!this.#warm(stream, covered)) {
        stream.templatesAtWarmup = stream.templates;
        continue;
      }
      // A known message with a new user, key or host in it: new values are other detectors' business.
      if (record.templateVariantOf !== undefined) continue;
      if (judgedBySecurityRules(record)) continue;
      if (this.options.leaveSevere && record.severityNumber >= SEVERE_SEVERITY_NUMBER) continue;
      // The rate before this record (the template it creates is what is judged against it), corrected for
      // the average's start at 0, which a young stream has not yet left behind.
      const novelty = before / (1 - (1 - NOVELTY_ALPHA) ** Math.max(1, stream.seen - 1));
      if (novelty >= ROUTINE_NOVELTY && record.severityNumber < ERROR_SEVERITY_NUMBER) continue;
      out.push(this.#anomaly(record, stream, novelty));
    }
    return out;
  }

  #warm(stream: StreamState, coveredMs: number): boolean {
    return stream.seen > this.options.warmupRecords && coveredMs >= this.options.warmupSecs * 1000;
  }

  #anomaly(record: ParsedRecord, stream: StreamState, novelty: number): Anomaly {
    // The more settled the stream (many records per template), the more surprising a new template is:
    // medium from about 300 records per template. An error-level record's new template is high. The
    // severity follows from the score, as for every detector (core/severity).
    const perTemplate = stream.seen / Math.max(1, stream.templates - 1);
    const settled = Math.min(0.75, 0.35 + 0.1 * Math.log10(1 + perTemplate));
    const score =
      record.severityNumber >= ERROR_SEVERITY_NUMBER ? Math.max(settled, severityFloor("high")) : settled;
    const severity = severityFromScore(score);
    const summary = `New message template in ${record.origin} after ${stream.seen - 1} records: ${record.template}`;
    return {
      detector: this.name,
      type: "new_template",
      timestamp: record.timestamp,
      service: record.stream,
      key: `${record.origin}:${record.templateId}`,
      score,
      severity,
      description: summary,
      features: {
        template_id: record.templateId,
        template: record.template,
        records_seen: stream.seen - 1,
        templates_known: stream.templates - 1,
        novelty_rate: Math.round(novelty * 10_000) / 10_000,
        level: record.severityText,
        ...recordEntities(record),
      },
      explanation: {
        summary,
        observed: { template: record.template, template_id: record.templateId, level: record.severityText },
        expected: {
          known_templates: stream.templates - 1,
          note: `only templates learned during warm-up (${stream.templatesAtWarmup}) or since`,
        },
        contributions: record.params.map((p, i) => ({ name: `param ${i + 1}`, value: p.value, weight: 0 })),
        samples: [record.body],
      },
      evidence: [record.id],
      templateId: record.templateId,
    };
  }

  status(): DetectorStatus {
    const streams = [...this.#streams.entries()];
    const learning = streams.filter(([, s]) => s.seen <= this.options.warmupRecords);
    if (streams.length === 0 || learning.length === streams.length) {
      const seen = streams.reduce((n, [, s]) => Math.max(n, s.seen), 0);
      return {
        name: this.name,
        phase: "learning",
        detail: `warming up: ${seen} of ${this.options.warmupRecords} records seen`,
      };
    }
    return {
      name: this.name,
      phase: "active",
      detail: `${streams.length - learning.length} stream(s) active, ${learning.length} still warming up`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      streams: Object.fromEntries([...this.#streams.entries()].map(([k, s]) => [k, { ...s }])),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !isJsonObject(state.streams)) return;
    for (const [key, value] of Object.entries(state.streams))
      if (isJsonObject(value)) this.#streams.set(key, streamStateOf(value));
  }

  // Partitioned (StreamPartitioned): a stream's value is its entry of `exportState`; the shared
  // remainder is the recency of the streams, which decides the one a full map forgets.

  streams(): Iterable<string> {
    return this.#streams.keys();
  }

  exportStreams(streams: ReadonlySet<string>): Map<string, JsonValue> {
    return exportStreamEntries(this.#streams, streams, (_name, s) => ({ ...s }));
  }

  exportShared(): JsonValue {
    return exportStreamOrder(this.#streams);
  }

  importStream(stream: string, state: JsonValue): void {
    if (isJsonObject(state) && state.version === 1) this.#streams.restore(stream, streamStateOf(state));
  }

  importShared(state: JsonValue): void {
    importStreamOrder(this.#streams, state);
  }
}

function streamStateOf(value: JsonObject): StreamState {
  const firstAt = Number(value.firstAt);
  return {
    seen: Number(value.seen ?? 0),
    // State saved before the rate was kept: unknown, taken as settled (every new template reported).
    novelty: typeof value.novelty === "number" ? value.novelty : 0,
    firstAt,
    // State saved before periods were counted: the time since the first record, as it was measured.
    latestAt: typeof value.latestAt === "number" ? value.latestAt : firstAt,
    coveredMs: typeof value.coveredMs === "number" ? value.coveredMs : 0,
    templatesAtWarmup: Number(value.templatesAtWarmup ?? 0),
    templates: Number(value.templates ?? 0),
  };
}

export const newTemplateDefinition: DetectorDefinition<NewTemplateOptions> = {
  name: "new_template",
  description: "A message template first seen after the stream's warm-up period.",
  create: (options) => new NewTemplateDetector(options),
};
