import type { Anomaly } from "./anomaly.js";
import type { Clock } from "./clock.js";
import type { JsonValue } from "./json.js";
import type { ParsedRecord } from "./log-record.js";
import type { UndoLog } from "./undo.js";

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
  /**
   * Journals what each batch changes, so the pipeline can take back a batch whose store transaction
   * failed (`Processor.rollback`): a detector must not learn from records that were never stored.
   */
  readonly undo: UndoLog;
  observe(batch: readonly ParsedRecord[]): Anomaly[];
  status(): DetectorStatus;
  exportState(): JsonValue;
  importState(state: JsonValue): void;
  /**
   * Optional: called on a timer with the wall-clock time, so a detector can close intervals that no
   * record closed (silence is only visible when nothing arrives).
   */
  tick?(now: number): Anomaly[];
  /** Optional: end of input (`analyze`): judge what is still open (sessions, windows) and return it. */
  flush?(): Anomaly[];
}

/** A model a detector trained, as the `models` table versions it. */
export interface TrainedModel {
  kind: string;
  key: string;
  parameters: JsonValue;
  trainingSize: number;
  features: JsonValue;
  metrics: JsonValue;
  /** Bounded: what is needed to restore or inspect the model. */
  artifact: JsonValue;
}

/**
 * A detector that trains a model from what it has seen. It retrains by itself on record time (so
 * `analyze` works without timers); `retrain` forces it now (API, `serve`'s schedule) and returns the
 * model so the caller can version it in the store.
 */
export interface Retrainable {
  retrain(now: number): TrainedModel;
}

export function isRetrainable(detector: Detector): detector is Detector & Retrainable {
  return typeof (detector as Partial<Retrainable>).retrain === "function";
}

/**
 * What a detector's findings are about: `security` (logins, privileges, WiFi attacks) or
 * `operational` (volume, errors, templates, sequences). The registry declares it once per detector,
 * and the anomaly listing filters on it so security findings are not buried under volume rows.
 */
export const DETECTOR_KINDS = ["security", "operational"] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

/**
 * One entry of the detector registry: adding a detector is adding a file and one line there. Its options
 * are validated in one place, the config schema (`src/config/schema.ts`), which fills defaults and names
 * the key of a bad value; `create` gets them already valid.
 */
export interface DetectorDefinition<Options> {
  readonly name: string;
  readonly description: string;
  create(options: Options, ctx: DetectorContext): Detector;
}
