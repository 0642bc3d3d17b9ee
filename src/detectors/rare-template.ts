import { type Anomaly, describe } from "../core/anomaly.js";
import type {
  Detector,
  DetectorDefinition,
  DetectorStatus,
  Retrainable,
  StreamPartitioned,
  TrainedModel,
} from "../core/detector.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import type { ParsedRecord } from "../core/log-record.js";
import { ERROR_SEVERITY_NUMBER, severityFromScore } from "../core/severity.js";
import { DAY_MS } from "../core/time.js";
import { UndoLog } from "../core/undo.js";
import { recordTimes } from "./batch-memo.js";
import { LruMap } from "./lru.js";
import { judgedBySecurityRules, recordEntities } from "./record-entities.js";
import { elapsedMs } from "./stream-clock.js";
import { exportStreamEntries, exportStreamOrder, importStreamOrder } from "./stream-map-partition.js";

export interface RareTemplateOptions {
  warmupRecords: number;
  /** Percent of the stream's records that the rarest templates together make up. */
  percentile: number;
  retrainRecords: number;
  cooldownSecs: number;
  maxKeys: number;
}

interface StreamState {
  total: number;
  counts: LruMap<string, number>;
  /** Frequency at or below which a template is rare (null: not trained yet). */
  cutoff: number | null;
  /** Templates under the cutoff at the last training. */
  rareTemplates: number;
  sinceTrain: number;
  lastReport: LruMap<string, number>;
  /** Days the rare templates (and those near the cutoff, and all during warm-up) were seen on. */
  days: LruMap<string, DaysSeen>;
}

/** [first UTC day, latest UTC day, days with at least one record] of a template. */
type DaysSeen = [number, number, number];

/** Templates up to this many times the cutoff's frequency have their days followed. */
const DAYS_WATCH = 10;
/**
 * A template seen on at least this many days, and on at least half the days since its first, is part of
 * the stream's routine however small its share (a nightly job on each of a fleet's hosts).
 */
const ROUTINE_DAYS = 3;

/** Counts are halved past this, so the frequency history follows the stream as it changes. */
const DECAY_ABOVE = 1_000_000;
const MAX_STREAMS = 1_000;

/**
 * A record whose template is rare in its stream: among the least frequent templates that together make
 * up `percentile` % of the stream's records (the cutoff is retrained every `retrainRecords`). A template
 * seen for the first time is `new_template`'s, not this detector's; this one catches the message shapes
 * that exist but almost never appear (a failover path, a rarely hit error), one report per template
 * per cooldown. A template that is rare by share but shows up day after day (a daily job's lines) is
 * routine, not a surprise, and is not reported.
 */
export class RareTemplateDetector implements Detector, Retrainable, StreamPartitioned {
  readonly name = "rare_template";
  readonly undo = new UndoLog();
  /** A stream's copy shares its `counts` and `lastReport`, which journal their own keys. */
  readonly #streams = new LruMap<string, StreamState>(MAX_STREAMS).recordTo(this.undo, (s) => ({ ...s }));

  constructor(readonly options: RareTemplateOptions) {}

  #stream(name: string): StreamState {
    // `upsert` spelled out: its closure was made for every record.
    const known = this.#streams.get(name);
    if (known !== undefined) return known;
    const made = this.#newStream();
    this.#streams.set(name, made);
    return made;
  }

  #newStream(): StreamState {
    return {
      total: 0,
      counts: new LruMap<string, number>(this.options.maxKeys).recordTo(this.undo, (n) => n),
      cutoff: null,
      rareTemplates: 0,
      sinceTrain: 0,
      lastReport: new LruMap<string, number>(this.options.maxKeys).recordTo(this.undo, (n) => n),
      days: new LruMap<string, DaysSeen>(this.options.maxKeys).recordTo(this.undo, ([a, b, c]) => [a, b, c]),
    };
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const times = recordTimes.of(batch);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      const at = times[i]!;
      const s = this.#stream(record.origin);
      // Rarity is judged on the history before this record, then the record joins it.
      const prior = s.counts.get(record.templateId) ?? 0;
      const frequency = s.total > 0 ? prior / s.total : 0;
      const rare =
        s.cutoff !== null && record.templateChange !== "created" && prior > 0 && frequency <= s.cutoff;
      const count = prior + 1;
      s.counts.set(record.templateId, count);
      const routine = this.#followDays(s, record, at, frequency);
      s.total++;
      s.sinceTrain++;
      if (
        s.total >= this.options.warmupRecords &&
        (s.cutoff === null || s.sinceTrain >= this.options.retrainRecords)
      ) {
        this.#train(s);
      }
      if (!rare || routine || judgedBySecurityRules(record)) continue;
      const last = s.lastReport.get(record.templateId);
      if (last !== undefined && elapsedMs(last, at) < this.options.cooldownSecs * 1000) continue;
      s.lastReport.set(record.templateId, at);
      out.push(this.#anomaly(record, s, count, frequency));
    }
    return out;
  }

  /** Counts the record's day for its template; true when the template was already routine before it. */
  #followDays(s: StreamState, record: ParsedRecord, at: number, frequency: number): boolean {
    if (s.cutoff !== null && frequency > DAYS_WATCH * s.cutoff) return false;
    if (Number.isNaN(at)) return false;
    const day = Math.floor(at / DAY_MS);
    const seen = s.days.get(record.templateId);
    if (!seen) {
      s.days.set(record.templateId, [day, day, 1]);
      return false;
    }
    const [first, , count] = seen;
    const routine = count >= ROUTINE_DAYS && count * 2 >= day - first + 1;
    if (day > seen[1]) {
      seen[1] = day;
      seen[2]++;
    }
    return routine;
  }

  /** Cutoff = the largest frequency whose templates, with all rarer ones, hold ≤ `percentile` % of records. */
  #train(s: StreamState): void {
    if (s.total > DECAY_ABOVE) {
      for (const [id, c] of [...s.counts.entries()]) s.counts.set(id, Math.max(1, Math.floor(c / 2)));
      s.total = [...s.counts.values()].reduce((a, c) => a + c, 0);
    }
    const counts = [...s.counts.values()].sort((a, b) => a - b);
    const budget = (this.options.percentile / 100) * s.total;
    let cumulative = 0;
    let cutoffCount = 0;
    let rare = 0;
    for (const c of counts) {
      if (cumulative + c > budget) break;
      cumulative += c;
      cutoffCount = c;
      rare++;
    }
    s.cutoff = cutoffCount / s.total;
    s.rareTemplates = rare;
    s.sinceTrain = 0;
  }

  #anomaly(record: ParsedRecord, s: StreamState, count: number, frequency: number): Anomaly {
    const cutoff = s.cutoff ?? 0;
    // Ten times rarer than the cutoff is as rare as this rule tells apart: low for ordinary records, medium
    // for error-level ones (the severity follows from the score, as for every detector: core/severity).
    const rarity = Math.min(1, Math.log10(Math.max(1, cutoff / Math.max(frequency, 1e-12))));
    const error = record.severityNumber >= ERROR_SEVERITY_NUMBER;
    const score = error ? 0.6 + 0.2 * rarity : 0.4 + 0.19 * rarity;
    const severity = severityFromScore(score);
    const perMillion = (f: number) => Math.round(f * 1e6 * 100) / 100;
    const explanation = {
      summary: `Rare message template in ${record.origin} (${count} of ${s.total} records): ${record.template}`,
      observed: { template: record.template, count, per_million: perMillion(frequency) },
      expected: {
        min_per_million: perMillion(cutoff),
        note: `templates at or below this make up ${this.options.percentile}% of the stream (${s.rareTemplates} template(s))`,
      },
      contributions: record.params.map((p, i) => ({ name: `param ${i + 1}`, value: p.value, weight: 0 })),
      samples: [record.body],
    };
    return {
      detector: this.name,
      type: "rare_template",
      timestamp: record.timestamp,
      service: record.stream,
      key: `${record.origin}:${record.templateId}`,
      score: Math.round(score * 10_000) / 10_000,
      severity,
      description: describe(explanation),
      features: {
        template_id: record.templateId,
        template: record.template,
        count,
        stream_records: s.total,
        per_million: perMillion(frequency),
        cutoff_per_million: perMillion(cutoff),
        level: record.severityText,
        ...recordEntities(record),
      },
      explanation,
      evidence: [record.id],
      templateId: record.templateId,
    };
  }

  retrain(_now: number): TrainedModel {
    const streams: Record<string, JsonValue> = {};
    let trainingSize = 0;
    for (const [name, s] of this.#streams.entries()) {
      if (s.total >= this.options.warmupRecords) this.#train(s);
      trainingSize += s.total;
      streams[name] = {
        records: s.total,
        templates: s.counts.size,
        cutoff: s.cutoff,
        rare_templates: s.rareTemplates,
      };
    }
    return {
      kind: this.name,
      key: "cutoffs",
      parameters: { ...this.options },
      trainingSize,
      features: ["template_frequency"],
      metrics: {
        streams: this.#streams.size,
        trained: Object.values(streams).filter((v) => isJsonObject(v) && v.cutoff !== null).length,
      },
      artifact: { streams },
    };
  }

  status(): DetectorStatus {
    const all = [...this.#streams.values()];
    const trained = all.filter((s) => s.cutoff !== null);
    if (trained.length === 0) {
      const most = all.reduce((n, s) => Math.max(n, s.total), 0);
      return {
        name: this.name,
        phase: "learning",
        detail: `warming up: ${most} of ${this.options.warmupRecords} records seen`,
      };
    }
    return {
      name: this.name,
      phase: "active",
      detail: `${trained.length} stream(s) with a rarity cutoff, ${all.length - trained.length} warming up`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      streams: [...this.#streams.entries()].map(([name, s]) => packStream(name, s)),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.streams)) return;
    for (const v of state.streams)
      if (isJsonObject(v) && typeof v.name === "string") this.#unpack(this.#stream(v.name), v);
  }

  /** Fills a stream's state from its saved entry. */
  #unpack(s: StreamState, v: JsonObject): void {
    s.total = Number(v.total ?? 0);
    s.cutoff = typeof v.cutoff === "number" ? v.cutoff : null;
    s.rareTemplates = Number(v.rareTemplates ?? 0);
    s.sinceTrain = Number(v.sinceTrain ?? 0);
    for (const [map, list] of [
      [s.counts, v.counts],
      [s.lastReport, v.lastReport],
    ] as const) {
      if (!Array.isArray(list)) continue;
      for (const e of list) if (Array.isArray(e) && typeof e[0] === "string") map.set(e[0], Number(e[1]));
    }
    if (Array.isArray(v.days)) {
      for (const e of v.days)
        if (Array.isArray(e) && typeof e[0] === "string")
          s.days.set(e[0], [Number(e[1]), Number(e[2]), Number(e[3])]);
    }
  }

  // Partitioned (StreamPartitioned): a stream's value is its entry of `exportState` (its template counts
  // and cutoff); the shared remainder is the recency of the streams.

  streams(): Iterable<string> {
    return this.#streams.keys();
  }

  exportStreams(streams: ReadonlySet<string>): Map<string, JsonValue> {
    return exportStreamEntries(this.#streams, streams, packStream);
  }

  exportShared(): JsonValue {
    return exportStreamOrder(this.#streams);
  }

  importStream(stream: string, state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1) return;
    // Replaced, not merged: counts of a stream this instance already had would add up otherwise.
    const s = this.#newStream();
    this.#unpack(s, state);
    this.#streams.restore(stream, s);
  }

  importShared(state: JsonValue): void {
    importStreamOrder(this.#streams, state);
  }
}

/** One stream's entry of the saved state; its maps oldest first, so importing them keeps their recency. */
function packStream(name: string, s: StreamState): JsonObject {
  return {
    name,
    total: s.total,
    cutoff: s.cutoff,
    rareTemplates: s.rareTemplates,
    sinceTrain: s.sinceTrain,
    counts: [...s.counts.entries()],
    lastReport: [...s.lastReport.entries()],
    days: [...s.days.entries()].map(([id, d]) => [id, ...d]),
  };
}

export const rareTemplateDefinition: DetectorDefinition<RareTemplateOptions> = {
  name: "rare_template",
  description:
    "A record whose template is among the rarest of its stream (below a percentile of template frequency).",
  create: (options) => new RareTemplateDetector(options),
};
