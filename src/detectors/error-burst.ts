import { type Anomaly, WINDOW_EVIDENCE } from "../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus, StreamPartitioned } from "../core/detector.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import type { ParsedRecord } from "../core/log-record.js";
import { ERROR_SEVERITY_NUMBER, severityFromScore } from "../core/severity.js";
import { UndoLog } from "../core/undo.js";
import { recordTimes } from "./batch-memo.js";
import { LruMap } from "./lru.js";
import { StreamClock } from "./stream-clock.js";

export interface ErrorBurstOptions {
  windowSecs: number;
  /** Error-level records per service within the window that make a burst. */
  threshold: number;
  /** Services tracked at most; the least recently seen is forgotten. */
  maxKeys?: number;
}

interface Burst {
  /** Error count last emitted for this burst (0 before the first emission). */
  reported: number;
  /** The strongest snapshot not yet emitted. */
  pending: PendingBurst | null;
  /** The burst is over once no error arrives within a window of the last one. */
  until: number;
}

/**
 * What a burst's report will say, taken at the error that made it strongest: the anomaly itself is
 * written only when the report is emitted. Every error past the threshold can be the strongest so far,
 * and writing the whole anomaly for each (its summary, explanation, samples and evidence), to keep only a
 * batch's last one, was the largest allocation of all the default detectors (about 270 bytes a line of
 * bench:ingest's corpus).
 */
interface PendingBurst {
  timestamp: string;
  stream: string;
  /** The window's stream (`ParsedRecord.origin`): the service from one source. */
  origin: string;
  count: number;
  spanSecs: number;
  /** The window's latest errors then (`inWindow`): the service's list changes as errors arrive. */
  recent: RecentError[];
}

/** How many of the latest error records a service keeps as samples (bodies); ids: WINDOW_EVIDENCE. */
const SAMPLES = 5;
/**
 * Errors one service's window holds at most. Records whose times go backwards (a replay, a backfill, a
 * skewed clock) never push older ones out, so without a cap the window could grow without end; a count
 * this high is far past any threshold, so capping it changes no verdict.
 */
export const MAX_WINDOW_ERRORS = 100_000;

interface RecentError {
  /** Position of the record in the service's error sequence (0, 1, 2, …). */
  seq: number;
  id: number;
  body: string;
}

/**
 * One service's errors. The window is a queue of times: `times[head…]` are the records still in it, and
 * dropping one moves `head` (the array is compacted now and then), so a long window costs O(1) a record.
 * Only the latest few records keep their id and body, as that is all an anomaly cites.
 */
interface ServiceWindow {
  times: number[];
  head: number;
  /** Sequence number of `times[head]`: records with a lower one have left the window. */
  firstSeq: number;
  /** The latest errors (at most WINDOW_EVIDENCE), oldest first, some of which may have left the window. */
  recent: RecentError[];
  burst: Burst | null;
}

function inWindow(w: ServiceWindow): RecentError[] {
  return w.recent.filter((e) => e.seq >= w.firstSeq);
}

/** A burst's report as of `record`, the error that made its window `count` strong. */
function pendingBurst(record: ParsedRecord, w: ServiceWindow, latest: number): PendingBurst {
  return {
    timestamp: record.timestamp,
    stream: record.stream,
    origin: record.origin,
    count: w.times.length - w.head,
    // From the oldest error still in the window to the service's latest: never negative.
    spanSecs: Math.max(0, (latest - w.times[w.head]!) / 1000),
    recent: inWindow(w),
  };
}

/**
 * Flags a burst of error-level records (OpenTelemetry severity ≥ ERROR) from one service. One burst is
 * reported once, at the end of the batch that saw it (so a batch holding a whole burst reports its peak),
 * and again only if it at least doubles; the store merges those reports into one open anomaly.
 */
export class ErrorBurstDetector implements Detector, StreamPartitioned {
  readonly name = "error_burst";
  readonly #services: LruMap<string, ServiceWindow>;
  /** Record time of each service's errors: a jump back past the window starts the service's window again. */
  readonly #clock: StreamClock;
  #errorsSeen = 0;
  readonly undo = new UndoLog();

  constructor(readonly options: ErrorBurstOptions) {
    this.#services = new LruMap<string, ServiceWindow>(options.maxKeys ?? 10_000).recordTo(
      this.undo,
      (w) => ({
        // Only the part still in the window: `head` 0 keeps `firstSeq` pointing at the same record.
        times: w.times.slice(w.head),
        head: 0,
        firstSeq: w.firstSeq,
        recent: [...w.recent],
        burst: w.burst && { ...w.burst },
      }),
    );
    this.#clock = new StreamClock(
      { backMs: options.windowSecs * 1000, forwardMs: Number.POSITIVE_INFINITY },
      options.maxKeys ?? 10_000,
      this.undo,
    );
    this.undo.keep(
      () => this.#errorsSeen,
      (value) => {
        this.#errorsSeen = value;
      },
    );
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const windowMs = this.options.windowSecs * 1000;
    const touched = new Set<ServiceWindow>();
    const times = recordTimes.of(batch);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      if (record.severityNumber < ERROR_SEVERITY_NUMBER) continue;
      this.#errorsSeen++;
      const at = times[i]!;
      const step = this.#clock.observe(record.origin, at);
      let w = this.#services.get(record.origin);
      if (w && step === "jumped_back") {
        // Another period (an old file after live logs): its errors are not part of the live window.
        if (w.burst?.pending) out.push(this.#anomaly(w.burst.pending));
        touched.delete(w);
        w = undefined;
      }
      if (!w) {
        w = { times: [], head: 0, firstSeq: 0, recent: [], burst: null };
        this.#services.set(record.origin, w);
      }
      if (w.burst && at > w.burst.until) {
        if (w.burst.pending) out.push(this.#anomaly(w.burst.pending));
        w.burst = null;
      }
      const seq = w.firstSeq + w.times.length - w.head;
      w.times.push(at);
      w.recent.push({ seq, id: record.id, body: record.body });
      if (w.recent.length > WINDOW_EVIDENCE) w.recent.shift();
      // The window ends at the service's latest time, not at this record's (which may be slightly late).
      const latest = this.#clock.latest(record.origin) ?? at;
      while (
        w.head < w.times.length &&
        (w.times[w.head]! <= latest - windowMs || w.times.length - w.head > MAX_WINDOW_ERRORS)
      ) {
        w.head++;
        w.firstSeq++;
      }
      if (w.head > 1024 && w.head * 2 > w.times.length) {
        w.times = w.times.slice(w.head);
        w.head = 0;
      }
      const count = w.times.length - w.head;
      if (count < this.options.threshold) continue;
      w.burst ??= { reported: 0, pending: null, until: at + windowMs };
      w.burst.until = Math.max(w.burst.until, at + windowMs);
      const stronger = count > (w.burst.pending ? w.burst.pending.count : 0);
      if (stronger && count >= 2 * w.burst.reported) w.burst.pending = pendingBurst(record, w, latest);
      touched.add(w);
    }
    for (const { burst } of touched) {
      if (!burst?.pending) continue;
      out.push(this.#anomaly(burst.pending));
      burst.reported = burst.pending.count;
      burst.pending = null;
    }
    return out;
  }

  #anomaly(pending: PendingBurst): Anomaly {
    const { count, spanSecs, recent } = pending;
    // count = threshold → 0.6 (medium); twice → 0.8; four times → 0.9 (high); eight times → 0.95 (critical).
    const score = 1 - (0.4 * this.options.threshold) / count;
    const summary = `${count} error-level records from ${pending.origin} in ${Math.round(spanSecs)} s (threshold ${this.options.threshold} per ${this.options.windowSecs} s)`;
    return {
      detector: this.name,
      type: "error_burst",
      timestamp: pending.timestamp,
      service: pending.stream,
      key: pending.origin,
      score,
      severity: severityFromScore(score),
      description: summary,
      features: {
        error_count: count,
        window_secs: this.options.windowSecs,
        threshold: this.options.threshold,
      },
      explanation: {
        summary,
        observed: { error_count: count, span_secs: spanSecs },
        expected: { max_errors_per_window: this.options.threshold - 1, window_secs: this.options.windowSecs },
        samples: recent.slice(-SAMPLES).map((e) => e.body),
      },
      evidence: recent.map((e) => e.id),
    };
  }

  status(): DetectorStatus {
    return {
      name: this.name,
      phase: "active",
      detail: `${this.#errorsSeen} error records seen across ${this.#services.size} service(s)`,
    };
  }

  /** Version 2: the window's times and the latest records still in it (version 1 kept every id and body). */
  exportState(): JsonValue {
    return {
      version: 2,
      errorsSeen: this.#errorsSeen,
      clock: this.#clock.exportState(),
      services: Object.fromEntries([...this.#services.entries()].map(([k, w]) => [k, packWindow(w)])),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || (state.version !== 1 && state.version !== 2) || !isJsonObject(state.services))
      return;
    this.#errorsSeen = Number(state.errorsSeen ?? 0);
    this.#clock.importState(state.clock, 0);
    for (const [key, value] of Object.entries(state.services)) {
      const w = unpackWindow(value);
      if (w) this.#services.set(key, w);
    }
  }

  // Partitioned (StreamPartitioned): a stream's value is its clock and window; the shared remainder is
  // the count of errors seen and the recency of the services in both maps.

  streams(): Iterable<string> {
    return new Set([...this.#clock.streams(), ...this.#services.keys()]);
  }

  exportStreams(streams: ReadonlySet<string>): Map<string, JsonValue> {
    const out = new Map<string, JsonValue>();
    for (const name of streams) {
      const clock = this.#clock.exportStream(name);
      const w = this.#services.peek(name);
      if (clock === undefined && w === undefined) continue;
      out.set(name, { version: 2, clock: clock ?? null, window: w ? packWindow(w) : null });
    }
    return out;
  }

  exportShared(): JsonValue {
    return {
      version: 2,
      errorsSeen: this.#errorsSeen,
      services: [...this.#services.keys()],
      clock: [...this.#clock.streams()],
    };
  }

  importStream(stream: string, state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 2) return;
    this.#clock.forget(stream);
    this.#services.delete(stream);
    // Restored without evicting: the shared remainder imported next decides which services stay.
    if (state.clock !== null && state.clock !== undefined) this.#clock.restoreStream(state.clock, 0);
    const w = unpackWindow(state.window);
    if (w) this.#services.restore(stream, w);
  }

  importShared(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 2) return;
    this.#errorsSeen = Number(state.errorsSeen ?? 0);
    if (Array.isArray(state.services))
      this.#services.retainInOrder(state.services.filter((s) => typeof s === "string"));
    if (Array.isArray(state.clock))
      this.#clock.retainInOrder(state.clock.filter((s) => typeof s === "string"));
  }
}

/** A service's window as saved: its times, the latest records still in it, and its burst. */
function packWindow(w: ServiceWindow): JsonValue {
  const first = w.firstSeq;
  return {
    times: w.times.slice(w.head),
    recent: inWindow(w).map((e) => ({ offset: e.seq - first, id: e.id, body: e.body })),
    burst: w.burst ? { reported: w.burst.reported, until: w.burst.until } : null,
  };
}

function unpackWindow(value: JsonValue | undefined): ServiceWindow | null {
  if (!isJsonObject(value) || !Array.isArray(value.times)) return null;
  const times = value.times.map(Number);
  const burst = isJsonObject(value.burst)
    ? { reported: Number(value.burst.reported), until: Number(value.burst.until), pending: null }
    : null;
  return { times, head: 0, firstSeq: 0, recent: recentOf(value, times.length), burst };
}

/** The latest records of a saved window: version 2 lists them; version 1 kept ids and bodies of every one. */
function recentOf(saved: JsonObject, count: number): RecentError[] {
  if (Array.isArray(saved.recent)) {
    return saved.recent
      .filter(isJsonObject)
      .map((e) => ({ seq: Number(e.offset), id: Number(e.id), body: String(e.body ?? "") }))
      .slice(-WINDOW_EVIDENCE);
  }
  const ids = Array.isArray(saved.ids) ? saved.ids : [];
  const samples = Array.isArray(saved.samples) ? saved.samples : [];
  const out: RecentError[] = [];
  for (let i = Math.max(0, count - WINDOW_EVIDENCE); i < count; i++)
    out.push({ seq: i, id: Number(ids[i]), body: String(samples[i] ?? "") });
  return out;
}

export const errorBurstDefinition: DetectorDefinition<ErrorBurstOptions> = {
  name: "error_burst",
  description: "A burst of error-level records from one service within a time window.",
  create: (options) => new ErrorBurstDetector(options),
};
