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
 * so the pipeline can call it batch after batch; `exportState`/`importState` persist that state. One
 * whose state is all keyed by stream may also implement `StreamPartitioned`, so that state is saved by
 * partition (src/pipeline/partition-state.ts); without it, its whole state is one value.
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

/**
 * The state of a detector keyed by stream (the partition: `ParsedRecord.stream`), split the way the
 * pipeline saves it: one value per stream, written only when that stream's records (or a tick) changed
 * it, and a small shared remainder written at every save. Importing every stream's value and then the
 * remainder of the same save gives back the detector `exportState` describes; importing one stream's
 * value alone into another instance (a hand-over) gives that instance the stream as it was, so its
 * findings about that stream continue as they would have. Eviction is the one coupling between streams:
 * a full per-key map forgets the least recently used key of any stream, so a hand-over is exact while
 * the receiving instance's maps are not full.
 */
export interface StreamPartitioned {
  /** Every stream it holds state for. */
  streams(): Iterable<string>;
  /** The state of each given stream it holds (streams it holds nothing for are left out). */
  exportStreams(streams: ReadonlySet<string>): Map<string, JsonValue>;
  /**
   * What belongs to no stream: counters, and the recency of keys across streams (which key a full map
   * forgets next): names only, so it stays small next to the streams' state.
   */
  exportShared(): JsonValue;
  /** Replaces one stream's state; its keys become the most recently used. Outside a batch. */
  importStream(stream: string, state: JsonValue): void;
  /**
   * After the streams of the same save: the remainder. Keys it does not list were forgotten after their
   * stream's value was written (evicted by another stream's records, which does not make that stream
   * due for saving) and are forgotten again; listed keys take back their saved recency.
   */
  importShared(state: JsonValue): void;
  /**
   * Streams whose state changed since the last call other than by observing their own records (a tick
   * closing their intervals): the pipeline saves them too. May name more (harmless, a row written again).
   */
  takeChangedStreams?(): Iterable<string>;
}

export function isStreamPartitioned(detector: Detector): detector is Detector & StreamPartitioned {
  const d = detector as Partial<StreamPartitioned>;
  return (
    typeof d.exportStreams === "function" &&
    typeof d.importStream === "function" &&
    typeof d.exportShared === "function" &&
    typeof d.importShared === "function" &&
    typeof d.streams === "function"
  );
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
