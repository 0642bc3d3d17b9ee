import type { Anomaly } from "./anomaly.js";
import type { Clock } from "./clock.js";
import type { JsonValue } from "./json.js";
import type { ParsedRecord } from "./log-record.js";

/** What a detector is doing right now; shown in `/stats` so a quiet detector is never a mystery. */
export interface DetectorStatus {
  name: string;
  /** `learning` while it warms up, then `active`. */
  phase: "learning" | "active";
  /** Human text, e.g. "warming up: 312 of 1000 records seen". */
  detail: string;
}

export interface DetectorContext {
  clock: Clock;
}

/**
 * A detector watches parsed records and emits anomalies. It is synchronous and keeps its own state,
 * so the pipeline can call it batch after batch; `exportState`/`importState` persist that state.
 */
export interface Detector {
  readonly name: string;
  observe(batch: readonly ParsedRecord[]): Anomaly[];
  status(): DetectorStatus;
  exportState(): JsonValue;
  importState(state: JsonValue): void;
}

/** One entry of the detector registry: adding a detector is adding a file and one line there. */
export interface DetectorDefinition<Options> {
  readonly name: string;
  readonly description: string;
  /** Validates and fills defaults; throws with a message naming the bad key. */
  parseOptions(raw: unknown): Options;
  create(options: Options, ctx: DetectorContext): Detector;
}
