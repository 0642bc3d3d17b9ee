import type { Clock } from "./clock.js";
import type { JsonValue } from "./json.js";
import type { LineLimit } from "./line-limit.js";
import type { LogRecord } from "./log-record.js";

/**
 * Names one submission of a source that keeps a position: the source numbers its submissions 1, 2, 3…
 * and has one in flight at a time, and the pipeline records the number in the same transaction as the
 * records. After a crash, `CheckpointStore.committedSubmission` then says exactly whether the submission
 * the source was waiting on made it.
 */
export interface SubmissionRef {
  source: string;
  seq: number;
  /**
   * What was read, named by the source's identity and position (and the content there), so that the same
   * read after a restart gets the same key. One node settles a crash by `seq` alone; a cluster node, whose
   * submissions commit on other nodes, hands the records off under message ids derived from this, so the
   * partitions' owners take a hand-off sent again after a crash for the one they committed.
   */
  key?: string;
}

/**
 * Hands a batch to the pipeline. Resolves once the batch is committed to the store; may reject with a
 * `BackpressureError`, in which case the source waits and retries the same batch (never drops it).
 */
export type SubmitFn = (records: readonly LogRecord[], submission?: SubmissionRef) => Promise<void>;

/** The subset of pino's API sources use, so `core` does not depend on a logging library. */
export interface SourceLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Where a source keeps its position (file offsets, table cursors) between runs: the store's `state`
 * table. `committedSubmission` lets a source find out, after a crash, whether a batch it submitted just
 * before dying was committed, so a restart neither skips nor repeats it.
 */
export interface CheckpointStore {
  load(key: string): Promise<JsonValue | undefined>;
  /** Every checkpoint whose key starts with `prefix`. */
  loadPrefix(prefix: string): Promise<Map<string, JsonValue>>;
  save(key: string, value: JsonValue): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * The highest submission number of `source` whose records are committed (0: none yet). A source's
   * submissions commit in their order, one at a time, so this is its watermark: submission `n` is stored
   * exactly when `n` is at most this.
   */
  committedSubmission(source: string): Promise<number>;
}

export interface SourceContext {
  submit: SubmitFn;
  checkpoints: CheckpointStore;
  /** Already bound to the source's name (`source` in every line it logs). */
  log: SourceLog;
  clock: Clock;
  /** `MAX_LINE_BYTES` and `LINE_TOO_LONG` (`src/core/line-limit.ts`); the default limit when unset. */
  lineLimit?: LineLimit;
}

/**
 * What a source has done since it was built: every source counts the records it handed to the pipeline
 * that were committed (`records`) and the submissions the store refused (`failedSubmissions`, retried);
 * each adds its own (passes, polls, datagrams dropped…). Tests wait on these instead of sleeping.
 */
export interface SourceCounters {
  records: number;
  failedSubmissions: number;
  [counter: string]: number;
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
  counters(): SourceCounters;
}
