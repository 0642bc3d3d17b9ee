import type { Clock } from "./clock.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { LogRecord } from "./log-record.js";

/**
 * Hands a batch to the pipeline. Resolves once the batch is committed to the store; may reject with a
 * `BackpressureError`, in which case the source waits and retries the same batch (never drops it).
 */
export type SubmitFn = (records: readonly LogRecord[]) => Promise<void>;

/** The subset of pino's API sources use, so `core` does not depend on a logging library. */
export interface SourceLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Where a source keeps its position (file offsets, table cursors) between runs: the store's `state`
 * table. `logsWatermark`/`attributesSince` let a source find out, after a crash, whether a batch it
 * submitted just before dying was committed, so a restart neither skips nor repeats it.
 */
export interface CheckpointStore {
  load(key: string): Promise<JsonValue | undefined>;
  /** Every checkpoint whose key starts with `prefix`. */
  loadPrefix(prefix: string): Promise<Map<string, JsonValue>>;
  save(key: string, value: JsonValue): Promise<void>;
  delete(key: string): Promise<void>;
  /** The highest id in `logs` now (0 when empty). */
  logsWatermark(): Promise<number>;
  /** Attributes of the records stored after `watermark` whose attribute JSON text contains `needle`. */
  attributesSince(watermark: number, needle: string): Promise<JsonObject[]>;
}

export interface SourceContext {
  submit: SubmitFn;
  checkpoints: CheckpointStore;
  /** Already bound to the source's name (`source` in every line it logs). */
  log: SourceLog;
  clock: Clock;
}

/** Status a source reports for `/health` and logs. */
export type SourceState = "starting" | "ok" | "error" | "stopped";

/**
 * A log source: syslog listener, file tailer, OTLP receiver, database poller… `start` resolves once the
 * source is listening or polling (and rejects when it cannot start, e.g. a port in use); `stop` stops
 * taking input, hands what it already read to `submit`, and saves its position.
 */
export interface Source {
  readonly name: string;
  readonly type: string;
  start(ctx: SourceContext): Promise<void>;
  stop(): Promise<void>;
  state(): SourceState;
}
