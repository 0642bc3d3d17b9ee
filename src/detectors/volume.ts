import { type Anomaly, WINDOW_EVIDENCE } from "../core/anomaly.js";
import type { Clock } from "../core/clock.js";
import type {
  Detector,
  DetectorDefinition,
  DetectorStatus,
  Retrainable,
  StreamPartitioned,
  TrainedModel,
} from "../core/detector.js";
import type { JsonValue } from "../core/json.js";
import { hostOf, type ParsedRecord } from "../core/log-record.js";
import { UndoLog } from "../core/undo.js";
import { recordTimes } from "./batch-memo.js";
import { LruMap } from "./lru.js";
import { sourceOf } from "./record-entities.js";
import { FAR_FORWARD_MS, isJump, StreamClock } from "./stream-clock.js";
import {
  type Baseline,
  baselineFor,
  burstBaseline,
  hourPeak,
  hourPhaseBaseline,
  isSparse,
  updatePeak,
  updateStat,
} from "./volume-baseline.js";
import { foldInterval, type SpikeHigh, tally, volumeFinding } from "./volume-findings.js";
import {
  copyKeyState,
  exportVolumeShared,
  exportVolumeState,
  exportVolumeStreams,
  type HeldInterval,
  importVolumeShared,
  importVolumeState,
  importVolumeStream,
  inFirstDay,
  type KeyState,
  newKeyState,
  ownHistory,
  type VolumeState,
} from "./volume-state.js";

export interface VolumeOptions {
  intervalSecs: number;
  minHistory: number;
  historyIntervals: number;
  sensitivity: number;
  minCount: number;
  seasonalDays: number;
  perTemplate: boolean;
  maxTemplateKeys: number;
  maxKeys: number;
}

/** Intervals close once the stream is this share of an interval past their end: late records still count. */
const LATENESS = 0.2;
/** How many times the most a key has done a first-day spike must be: a day's rhythm is not known yet. */
const FIRST_DAY_FLOOD = 5;

/** How much further out a spike must be while a key's hour-of-day profile is still learning. */
const LEARNING_SPIKE_FACTOR = 2;
/** Empty intervals filled in at most after a silence, so a key back after a month costs nothing. */
const MAX_GAP_FILL = 288;

/**
 * Counts per interval for each service (`svc:<service>`) and each busy template (`tpl:<service>:<id>`)
 * against a robust baseline: median/MAD of recent intervals, then an hour-of-day profile with a
 * day-of-week factor once there is enough history. Spikes and drops are judged when an interval closes:
 * on rollover driven by record time, or by `tick(now)` when nothing arrives at all.
 */
export class VolumeDetector implements Detector, Retrainable, StreamPartitioned {
  readonly name = "volume";
  readonly undo = new UndoLog();
  /** Keys whose history is journaled in the undo log's current batch (see `#rememberHistory`). */
  readonly #historyRemembered = new Set<KeyState>();
  #historyEpoch = -1;
  readonly #services: LruMap<string, KeyState>;
  readonly #templates: LruMap<string, KeyState>;
  /**
   * Record time per stream (and the wall time it was seen at, which tick maps onto record time). Each stream
   * closes its intervals on its own time: a backfill of one stream neither closes another's intervals nor
   * is counted in them. A jump back of more than an interval, or forward past a month, starts the
   * stream's baselines again: the old ones describe another period.
   */
  readonly #streamClock: StreamClock;
  /**
   * Findings of intervals some keys of their service have not closed yet (a service's key closes on its
   * next record, its templates' when the stream's time passes the interval): released folded into one
   * per service and interval (`foldInterval`), at most `LATENESS` of an interval later.
   */
  readonly #held = new Map<string, HeldInterval>();
  /**
   * When the streams imported since the last `importShared` were exported (wall time): a stream's row
   * may be older than the shared remainder, and its quiet went on between the two saves.
   */
  readonly #importedExportedAt = new Map<string, number>();
  /** Streams whose keys or held findings a tick changed (closed, released): saved with the batches' ones. */
  readonly #changedStreams = new Set<string>();
  /**
   * Per stream, a start no later than any of its keys' current interval start (null: not known, after an
   * import or a rollback). A key's interval closes once a stream's time passes its end, which happens once
   * an interval, not once a batch: until some stream's time passes its bound, `#closeUpTo` looks at no
   * key (it looked at every key of both maps after every batch: most of the volume detector's time).
   */
  #earliestStart: Map<string, number> | null = null;
  /** The keys' names, made once per stream and template instead of once per record. */
  readonly #keyNames = new KeyNames();
  /** The maps above as the state's codec reads and writes them (`volume-state.ts`). */
  readonly #state: VolumeState;

  constructor(
    readonly options: VolumeOptions,
    readonly clock: Clock,
  ) {
    this.#services = new LruMap<string, KeyState>(options.maxKeys).recordTo(this.undo, copyKeyState);
    this.#templates = new LruMap<string, KeyState>(options.maxTemplateKeys).recordTo(this.undo, copyKeyState);
    this.#streamClock = new StreamClock(
      { backMs: this.#intervalMs, forwardMs: FAR_FORWARD_MS },
      options.maxKeys,
      this.undo,
    );
    this.#state = {
      services: this.#services,
      templates: this.#templates,
      streamClock: this.#streamClock,
      held: this.#held,
      importedExportedAt: this.#importedExportedAt,
    };
    // Held intervals are few (a service's findings of the last interval or two): kept whole, in order.
    this.undo.atEachBegin(() => {
      const held = [...this.#held].map(([id, h]) => [id, h, h.anomalies.length] as const);
      return () => {
        this.#held.clear();
        for (const [id, h, length] of held) {
          h.anomalies.length = length;
          this.#held.set(id, h);
        }
      };
    });
    // A rollback puts back keys whose intervals started earlier than the bounds now say.
    this.undo.atEachBegin(() => () => {
      this.#earliestStart = null;
    });
  }

  get #intervalMs(): number {
    return this.options.intervalSecs * 1000;
  }

  #key(
    map: LruMap<string, KeyState>,
    key: string,
    record: ParsedRecord,
    start: number,
    template: boolean,
  ): KeyState {
    // `upsert` spelled out: its closure was made for every record, twice.
    const known = map.get(key);
    if (known !== undefined) return known;
    const made = newKeyState(record, start, template);
    map.set(key, made);
    const earliest = this.#earliestStart;
    if (earliest !== null) {
      const bound = earliest.get(record.origin);
      earliest.set(record.origin, bound === undefined ? start : Math.min(bound, start));
    }
    return made;
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const intervalMs = this.#intervalMs;
    const wallNow = this.clock.now();
    const times = recordTimes.of(batch);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      const at = times[i]!;
      if (Number.isNaN(at)) continue;
      if (isJump(this.#streamClock.observe(record.origin, at, wallNow))) this.#restart(record.origin, out);
      const start = at - (at % intervalMs);
      // Read once per record, counted in the service's key and the template's.
      const ip = sourceOf(record);
      const host = hostOf(record);
      const service = this.#key(this.#services, this.#keyNames.service(record.origin), record, start, false);
      this.#count(service, record, start, ip, host);
      if (this.options.perTemplate) {
        const key = this.#keyNames.template(record.origin, record.templateId);
        this.#count(this.#key(this.#templates, key, record, start, true), record, start, ip, host);
      }
    }
    this.#closeUpTo((stream) => this.#streamClock.latest(stream));
    this.#release((stream) => this.#streamClock.latest(stream), out);
    return out;
  }

  /** Forgets a stream's keys (service and templates): they are made again, learning from scratch. */
  #restart(stream: string, out: Anomaly[]): void {
    this.#release((s) => (s === stream ? Number.POSITIVE_INFINITY : undefined), out);
    this.#services.delete(`svc:${stream}`);
    for (const [key, k] of [...this.#templates.entries()])
      if (k.service === stream) this.#templates.delete(key);
  }

  #count(k: KeyState, record: ParsedRecord, start: number, ip: string | null, host: string | null): void {
    if (start > k.start) this.#rollTo(k, start);
    k.count++;
    if (k.ids.length < WINDOW_EVIDENCE) k.ids.push(record.id);
    if (k.samples.length < 3) k.samples.push(record.body);
    if (ip !== null) {
      k.sources ??= new Map();
      tally(k.sources, ip);
    }
    if (host !== null) {
      k.hosts ??= new Map();
      tally(k.hosts, host);
    }
  }

  /** Silence: advance each stream's record time by the wall time elapsed since its last record. */
  tick(now: number): Anomaly[] {
    const out: Anomaly[] = [];
    this.#closeUpTo((stream) => this.#streamClock.projected(stream, now));
    this.#release((stream) => this.#streamClock.projected(stream, now), out);
    return out;
  }

  /** End of input: what is still held is complete. */
  flush(): Anomaly[] {
    const out: Anomaly[] = [];
    this.#release(() => Number.POSITIVE_INFINITY, out);
    return out;
  }

  #hold(anomaly: Anomaly, service: string, start: number, kind: string): void {
    const id = `${service}\u0000${start}\u0000${kind}`;
    const held = this.#held.get(id);
    if (held) held.anomalies.push(anomaly);
    else this.#held.set(id, { service, end: start + this.#intervalMs, anomalies: [anomaly] });
  }

  /** Releases the held intervals every key of their service has closed by its stream's time `timeOf`. */
  #release(timeOf: (stream: string) => number | undefined, out: Anomaly[]): void {
    for (const [id, held] of this.#held) {
      const time = timeOf(held.service);
      if (time === undefined || time - LATENESS * this.#intervalMs < held.end) continue;
      out.push(foldInterval(held.anomalies));
      this.#held.delete(id);
      this.#changedStreams.add(held.service);
    }
  }

  /** Closes every key's intervals up to its stream's time (`timeOf` the stream; undefined: leave it). */
  #closeUpTo(timeOf: (stream: string) => number | undefined): void {
    const intervalMs = this.#intervalMs;
    if (this.#earliestStart !== null && !this.#mayClose(this.#earliestStart, timeOf)) return;
    const earliest = new Map<string, number>();
    for (const map of [this.#services, this.#templates]) {
      for (const [key, k] of map.entries()) {
        const time = timeOf(k.service);
        if (time !== undefined) {
          const horizon = time - LATENESS * intervalMs;
          if (!(k.start + intervalMs > horizon)) {
            // Iterating journals nothing: the key is remembered before it closes, for a rolled-back batch.
            map.remember(key);
            this.#changedStreams.add(k.service);
            // The interval holding the horizon becomes current; every one before it closes.
            this.#rollTo(k, horizon - (horizon % intervalMs));
          }
        }
        const bound = earliest.get(k.service);
        earliest.set(k.service, bound === undefined ? k.start : Math.min(bound, k.start));
      }
    }
    this.#earliestStart = earliest;
  }

  /**
   * Whether a key of some stream may have an interval to close: one whose earliest start (`earliest`, no
   * later than any of its keys') ends before the stream's horizon. Spelled as the negation of the test
   * `#closeUpTo` skips a key with, so a time it cannot compare (NaN) looks at every key as it would.
   */
  #mayClose(earliest: ReadonlyMap<string, number>, timeOf: (stream: string) => number | undefined): boolean {
    const intervalMs = this.#intervalMs;
    for (const [stream, start] of earliest) {
      const time = timeOf(stream);
      if (time === undefined) continue;
      if (!(start + intervalMs > time - LATENESS * intervalMs)) return true;
    }
    return false;
  }

  /** Closes the key's current interval and any empty ones up to `start`, which becomes current. */
  #rollTo(k: KeyState, start: number): void {
    const intervalMs = this.#intervalMs;
    const gaps = Math.min(MAX_GAP_FILL, Math.round((start - k.start) / intervalMs));
    for (let i = 0; i < gaps; i++) {
      const closing = k.start + i * intervalMs;
      const count = i === 0 ? k.count : 0;
      const anomaly = this.#close(k, closing, count, i === 0);
      if (anomaly) this.#hold(anomaly, k.service, closing, anomaly.type);
    }
    k.start = start;
    k.count = 0;
    k.ids = [];
    k.samples = [];
    k.sources = null;
    k.hosts = null;
  }

  #close(k: KeyState, start: number, count: number, withRecords: boolean): Anomaly | null {
    if (k.partial) {
      k.partial = false;
      return null;
    }
    ownHistory(k);
    const intervalMs = this.#intervalMs;
    let anomaly: Anomaly | null = null;
    // A key silent most of the time is judged by the size of its bursts (spikes only: it has no level to
    // drop from), once it has had as many bursts as a steady key needs intervals.
    const base =
      k.closed < this.options.minHistory
        ? null
        : isSparse(k.recent)
          ? this.#burstBaseline(k)
          : baselineFor(k, start, intervalMs, this.options.seasonalDays);
    let kind: "spike" | "drop" | null = null;
    if (base) {
      const z = (count - base.expected) / base.spread;
      const s = this.options.sensitivity;
      // Until the hour-of-day profile is known, the median of the last hours cannot expect the day's
      // rise (the morning's logins, arrivals on the WiFi): a spike must be twice as far out.
      const spikeBar = base.kind === "recent" ? LEARNING_SPIKE_FACTOR * s : s;
      const high = this.#spikeHigh(k, start, base, spikeBar);
      const spike = count > high.count && !this.#recursHourly(k, count);
      kind = spike
        ? "spike"
        : -z >= s && base.expected >= this.options.minCount && base.kind !== "bursts"
          ? "drop"
          : null;
      if (kind === null) {
        k.episode = null;
      } else {
        const bar = kind === "spike" ? spikeBar : s;
        // A spike past the statistical bar only because of the peak rule still scores by how far out it is.
        const score = 1 - (0.4 * bar) / Math.max(Math.abs(z), bar);
        if (k.episode !== kind || score >= k.episodeScore + 0.1) {
          const shown = kind === "spike" ? high : null;
          anomaly = volumeFinding(this, k, kind, start, count, base, z, score, withRecords, bar, shown);
          k.episodeScore = score;
        }
        k.episode = kind;
      }
    }
    this.#rememberHistory(k);
    k.recent.push(count);
    if (k.recent.length > this.options.historyIntervals) k.recent.shift();
    if (count > 0) k.bursts.push(count);
    if (k.bursts.length > this.options.historyIntervals) k.bursts.shift();
    const maxN = 28 * Math.max(1, 3_600_000 / intervalMs);
    const date = new Date(start);
    updateStat(k.hours[date.getUTCHours()]!, count, maxN);
    updateStat(k.days[date.getUTCDay()]!, count, maxN * 24);
    if (kind !== "spike") updatePeak(k.peaks, start, count, intervalMs);
    k.closed++;
    return anomaly;
  }

  /**
   * `burstBaseline` of the key's bursts, taken again only when they changed: a mostly silent key closes
   * interval after empty interval with the same bursts, and two medians per close were most of what
   * closing cost. Compared value by value (`Object.is`), so only the same bursts get the same baseline.
   */
  #burstBaseline(k: KeyState): Baseline | null {
    const memo = k.burstBase;
    if (memo !== null && sameValues(memo.bursts, k.bursts)) return memo.base;
    const base = burstBaseline(k.bursts, this.options.minHistory);
    k.burstBase = { bursts: [...k.bursts], base };
    return base;
  }

  /**
   * Journals a key's history before a batch first closes one of its intervals. It is restored in place:
   * the copy the key map keeps for the batch (`copyKeyState`) shares these arrays and statistics.
   */
  #rememberHistory(k: KeyState): void {
    const log = this.undo;
    if (!log.recording) return;
    if (this.#historyEpoch !== log.epoch) {
      this.#historyEpoch = log.epoch;
      this.#historyRemembered.clear();
    }
    if (this.#historyRemembered.has(k)) return;
    this.#historyRemembered.add(k);
    const { recent, bursts, hours, days, peaks } = k;
    const saved = {
      peaks: [...peaks],
      recent: [...recent],
      bursts: [...bursts],
      hours: hours.map((h) => ({ ...h })),
      days: days.map((d) => ({ ...d })),
    };
    log.push(() => {
      recent.splice(0, recent.length, ...saved.recent);
      bursts.splice(0, bursts.length, ...saved.bursts);
      peaks.splice(0, peaks.length, ...saved.peaks);
      for (const [i, h] of hours.entries()) Object.assign(h, saved.hours[i]);
      for (const [i, d] of days.entries()) Object.assign(d, saved.days[i]);
    });
  }

  /**
   * The largest count that is not a spike, and why. Past the statistical bar, a spike must beat what the
   * key has already done around this time of day by its own Poisson noise (`hourPeak`). Before the key
   * has seen a whole day nothing says what this time of day is like, so only a flood counts: a
   * `FIRST_DAY_FLOOD` multiple of anything seen so far.
   */
  #spikeHigh(k: KeyState, start: number, base: Baseline, bar: number): SpikeHigh {
    const statistical = Math.max(Math.floor(base.expected + bar * base.spread), this.options.minCount - 1);
    if (inFirstDay(k, this.#intervalMs)) {
      const flood = FIRST_DAY_FLOOD * Math.max(...k.peaks, this.options.minCount) - 1;
      return flood > statistical
        ? {
            count: Math.ceil(flood),
            note: `first day: only a flood (${FIRST_DAY_FLOOD}× the most seen so far)`,
          }
        : { count: statistical, note: null };
    }
    // A mostly silent key's bursts come at any hour and their sizes have a long tail (a job's output, a
    // sampled log): one is a spike only past the biggest of its recent bursts too, not past their median.
    const hourly = hourPeak(k.peaks, start);
    const biggestBurst = base.kind === "bursts" ? Math.max(...k.bursts) : 0;
    const peak = Math.max(hourly, biggestBurst);
    const beyondPeak = Math.floor(peak + this.options.sensitivity * Math.sqrt(Math.max(peak, 1)));
    const seen =
      biggestBurst > hourly ? "its biggest recent burst is" : "the most seen at this time of day is";
    return beyondPeak > statistical
      ? { count: beyondPeak, note: `${seen} ${Math.round(peak)}` }
      : { count: statistical, note: null };
  }

  /** A spike no bigger than this key's count at the same minutes of the last hours: a periodic job. */
  #recursHourly(k: KeyState, count: number): boolean {
    const phase = hourPhaseBaseline(k.recent, this.#intervalMs);
    return phase !== null && (count - phase.expected) / phase.spread < this.options.sensitivity;
  }

  retrain(_now: number): TrainedModel {
    const intervalMs = this.#intervalMs;
    let trainingSize = 0;
    let seasonal = 0;
    let learning = 0;
    const baselines: JsonValue[] = [];
    for (const [key, k] of this.#services.entries()) {
      trainingSize += k.closed;
      if (k.closed < this.options.minHistory) learning++;
      const b = baselineFor(k, k.start, intervalMs, this.options.seasonalDays);
      if (b.kind === "seasonal") seasonal++;
      if (baselines.length < 200) {
        baselines.push({ key, hours: k.hours.map((h) => Math.round(h.mean * 100) / 100), kind: b.kind });
      }
    }
    return {
      kind: this.name,
      key: "baselines",
      parameters: { ...this.options },
      trainingSize,
      features: ["count_per_interval", "hour_of_day", "day_of_week"],
      metrics: {
        service_keys: this.#services.size,
        template_keys: this.#templates.size,
        seasonal_keys: seasonal,
        learning_keys: learning,
      },
      artifact: { baselines },
    };
  }

  status(): DetectorStatus {
    const all = [...this.#services.values()];
    const learning = all.filter((k) => k.closed < this.options.minHistory);
    if (all.length === 0 || learning.length === all.length) {
      const most = all.reduce((n, k) => Math.max(n, k.closed), 0);
      return {
        name: this.name,
        phase: "learning",
        detail: `warming up: ${most} of ${this.options.minHistory} intervals of ${this.options.intervalSecs} s seen`,
      };
    }
    const seasonal = all.filter(
      (k) => baselineFor(k, k.start, this.#intervalMs, this.options.seasonalDays).kind === "seasonal",
    );
    return {
      name: this.name,
      phase: "active",
      detail: `${all.length - learning.length} service(s) active (${seasonal.length} with an hour-of-day profile), ${learning.length} warming up; ${this.#templates.size} template(s) watched`,
    };
  }

  exportState(): JsonValue {
    return exportVolumeState(this.#state, this.clock);
  }

  importState(state: JsonValue): void {
    // Keys imported: the bounds of their interval starts are not known.
    if (importVolumeState(this.#state, state, this.clock)) this.#earliestStart = null;
  }

  // Partitioned (StreamPartitioned), in volume-state.ts.

  streams(): Iterable<string> {
    return this.#streamClock.streams();
  }

  exportStreams(streams: ReadonlySet<string>): Map<string, JsonValue> {
    return exportVolumeStreams(this.#state, streams, this.clock);
  }

  exportShared(): JsonValue {
    return exportVolumeShared(this.#state, this.clock);
  }

  importStream(stream: string, state: JsonValue): void {
    if (importVolumeStream(this.#state, stream, state, this.clock)) this.#earliestStart = null;
  }

  importShared(state: JsonValue): void {
    importVolumeShared(this.#state, state);
  }

  takeChangedStreams(): Iterable<string> {
    const changed = [...this.#changedStreams];
    this.#changedStreams.clear();
    return changed;
  }
}

/**
 * `svc:<stream>` and `tpl:<stream>:<template id>`, built once and then found by the stream and the template
 * id: a name built per record was a new string to allocate and hash in the key maps each time. Forgotten
 * past `MAX_KEY_NAMES` (the names, not the keys, so it only costs building them again).
 */
class KeyNames {
  #stream: string | null = null;
  #service = "";
  readonly #templates = new Map<string, { stream: string; key: string }>();

  service(stream: string): string {
    if (stream !== this.#stream) {
      this.#stream = stream;
      this.#service = `svc:${stream}`;
    }
    return this.#service;
  }

  template(stream: string, templateId: string): string {
    const known = this.#templates.get(templateId);
    if (known !== undefined && known.stream === stream) return known.key;
    const key = `tpl:${stream}:${templateId}`;
    if (this.#templates.size >= MAX_KEY_NAMES) this.#templates.clear();
    this.#templates.set(templateId, { stream, key });
    return key;
  }
}

const MAX_KEY_NAMES = 50_000;

function sameValues(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

export const volumeDefinition: DetectorDefinition<VolumeOptions> = {
  name: "volume",
  description:
    "Spikes and drops in records per interval, per service and per template, against a robust seasonal baseline.",
  create: (options, ctx) => new VolumeDetector(options, ctx.clock),
};
