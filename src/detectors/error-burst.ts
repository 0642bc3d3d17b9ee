import type { Anomaly } from "../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus } from "../core/detector.js";
import { isJsonObject, type JsonValue } from "../core/json.js";
import type { ParsedRecord } from "../core/log-record.js";
import { ERROR_SEVERITY_NUMBER, severityFromScore } from "../core/severity.js";
import { LruMap } from "./lru.js";

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
  pending: Anomaly | null;
  /** The burst is over once no error arrives within a window of the last one. */
  until: number;
}

interface ServiceWindow {
  /** Times (ms) and record ids of recent error records, oldest first. */
  times: number[];
  ids: number[];
  samples: string[];
  burst: Burst | null;
}

/**
 * Flags a burst of error-level records (OpenTelemetry severity ≥ ERROR) from one service. One burst is
 * reported once, at the end of the batch that saw it (so a batch holding a whole burst reports its peak),
 * and again only if it at least doubles; the store merges those reports into one open anomaly.
 */
export class ErrorBurstDetector implements Detector {
  readonly name = "error_burst";
  readonly #services: LruMap<string, ServiceWindow>;
  #errorsSeen = 0;

  constructor(readonly options: ErrorBurstOptions) {
    this.#services = new LruMap(options.maxKeys ?? 10_000);
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const windowMs = this.options.windowSecs * 1000;
    const touched = new Set<ServiceWindow>();
    for (const record of batch) {
      if (record.severityNumber < ERROR_SEVERITY_NUMBER) continue;
      this.#errorsSeen++;
      const at = Date.parse(record.timestamp);
      let w = this.#services.get(record.stream);
      if (!w) {
        w = { times: [], ids: [], samples: [], burst: null };
        this.#services.set(record.stream, w);
      }
      if (w.burst && at > w.burst.until) {
        if (w.burst.pending) out.push(w.burst.pending);
        w.burst = null;
      }
      w.times.push(at);
      w.ids.push(record.id);
      w.samples.push(record.body);
      let drop = 0;
      while (drop < w.times.length && w.times[drop]! <= at - windowMs) drop++;
      if (drop > 0) {
        w.times.splice(0, drop);
        w.ids.splice(0, drop);
        w.samples.splice(0, drop);
      }
      const count = w.times.length;
      if (count < this.options.threshold) continue;
      w.burst ??= { reported: 0, pending: null, until: at + windowMs };
      w.burst.until = at + windowMs;
      const stronger = count > (w.burst.pending ? Number(w.burst.pending.features.error_count) : 0);
      if (stronger && count >= 2 * w.burst.reported) w.burst.pending = this.#anomaly(record, w);
      touched.add(w);
    }
    for (const w of touched) {
      if (!w.burst?.pending) continue;
      out.push(w.burst.pending);
      w.burst.reported = Number(w.burst.pending.features.error_count);
      w.burst.pending = null;
    }
    return out;
  }

  #anomaly(record: ParsedRecord, w: ServiceWindow): Anomaly {
    const count = w.times.length;
    const spanSecs = Math.max(0, (w.times[count - 1]! - w.times[0]!) / 1000);
    // count = threshold → 0.6 (medium); twice → 0.8; four times → 0.9 (high); eight times → 0.95 (critical).
    const score = 1 - (0.4 * this.options.threshold) / count;
    const summary = `${count} error-level records from ${record.stream} in ${Math.round(spanSecs)} s (threshold ${this.options.threshold} per ${this.options.windowSecs} s)`;
    return {
      detector: this.name,
      type: "error_burst",
      timestamp: record.timestamp,
      service: record.stream,
      key: record.stream,
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
        samples: w.samples.slice(-5),
      },
      evidence: w.ids.slice(-20),
    };
  }

  status(): DetectorStatus {
    return {
      name: this.name,
      phase: "active",
      detail: `${this.#errorsSeen} error records seen across ${this.#services.size} service(s)`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      errorsSeen: this.#errorsSeen,
      services: Object.fromEntries(
        [...this.#services.entries()].map(([k, w]) => [
          k,
          {
            times: w.times,
            ids: w.ids,
            samples: w.samples,
            burst: w.burst ? { reported: w.burst.reported, until: w.burst.until } : null,
          },
        ]),
      ),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !isJsonObject(state.services)) return;
    this.#errorsSeen = Number(state.errorsSeen ?? 0);
    for (const [key, value] of Object.entries(state.services)) {
      if (!isJsonObject(value)) continue;
      const w = value as unknown as Omit<ServiceWindow, "burst"> & { burst: Omit<Burst, "pending"> | null };
      this.#services.set(key, { ...w, burst: w.burst ? { ...w.burst, pending: null } : null });
    }
  }
}

export const errorBurstDefinition: DetectorDefinition<ErrorBurstOptions> = {
  name: "error_burst",
  description: "A burst of error-level records from one service within a time window.",
  parseOptions: (raw) => raw as ErrorBurstOptions,
  create: (options) => new ErrorBurstDetector(options),
};
