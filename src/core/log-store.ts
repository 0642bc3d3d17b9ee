import type { JsonObject } from "./json.js";
import type { LogRecord } from "./log-record.js";
import type { RecordRef } from "./record-ref.js";
import type { TemplateParam } from "./template.js";

export type { RecordRef };

/** A record as the pipeline hands it to the store: mined, with its stream and template. */
export interface RecordToAppend extends LogRecord {
  stream: string;
  templateId: string | null;
  params: readonly TemplateParam[] | null;
  /**
   * The template text at mining time (`ParsedRecord.template`), for a store that encodes messages against
   * it (src/store/segments); absent or null, such a store keeps the message as it is.
   */
  template?: string | null;
}

/** A stored record as every reader sees it. */
export interface StoredRecord {
  ref: RecordRef;
  /** Record time, ISO-8601 UTC. */
  timestamp: string;
  /** `service.name`, or `unknown`. */
  service: string;
  host: string | null;
  /** The level word as the producer wrote it. */
  level: string | null;
  /** OpenTelemetry severity number. */
  severityNumber: number;
  message: string;
  attributes: JsonObject;
  stream: string;
  templateId: string | null;
}

/**
 * What a search matches; every condition holds at once. `text` has one meaning at every door (REST,
 * dashboard, MCP, CLI) and on every database: the message contains every word of it (words are runs of
 * letters and digits, any case), the last word also as the start of a longer word, so a word being typed
 * already matches. Operators, quotes and punctuation in it are not syntax; a text without any word matches
 * nothing, an empty one filters nothing.
 */
export interface LogQuery {
  text?: string | undefined;
  service?: string | undefined;
  host?: string | undefined;
  /** One template id, or several (any of them: a template and those it generalised). */
  templateId?: string | readonly string[] | undefined;
  /** Inclusive (9 info, 13 warn, 17 error, 21 fatal). */
  minSeverityNumber?: number | undefined;
  /** ISO UTC, inclusive. */
  since?: string | undefined;
  /** ISO UTC, exclusive. */
  until?: string | undefined;
}

/** A query's template ids; null when it does not filter by template (no id, or only empty ones). */
export function queryTemplateIds(q: Pick<LogQuery, "templateId">): readonly string[] | null {
  const t = q.templateId;
  if (t === undefined) return null;
  const ids = (typeof t === "string" ? [t] : t).filter((id) => id !== "");
  return ids.length > 0 ? ids : null;
}

/** A position in search order (newest record time first, ties by greater reference): a page's last record. */
export interface LogPosition {
  timestamp: string;
  ref: RecordRef;
}

/** A page of search results: `limit` records after `after`, or after skipping `offset` (not both). */
export interface LogPage {
  limit: number;
  after?: LogPosition | undefined;
  offset?: number | undefined;
}

/** Records of one template in one interval (`start` is the interval's ISO UTC start). */
export interface TemplateIntervalCount {
  templateId: string;
  start: string;
  count: number;
}

/** A query with both ends of its time range given, as a histogram needs. */
export type BoundedLogQuery = LogQuery & { since: string; until: string };

/** Records in one interval (`start` is the interval's ISO UTC start). */
export interface IntervalCount {
  start: string;
  count: number;
}

/**
 * A histogram's frame, the same for every store: its bounds in milliseconds, the query with its bounds in
 * the stored time form (times are compared as text, so `…00Z` would miss a line at `since`, stored as
 * `…00.000Z`), and its number of intervals.
 */
export function histogramFrame(query: BoundedLogQuery, intervalMs: number) {
  const sinceMs = Date.parse(query.since);
  const untilMs = Date.parse(query.until);
  const bounded: BoundedLogQuery = {
    ...query,
    since: new Date(sinceMs).toISOString(),
    until: new Date(untilMs).toISOString(),
  };
  const size = Math.max(0, Math.ceil((untilMs - sinceMs) / intervalMs));
  /** The counts per interval, in order, as `IntervalCount`s. */
  const intervals = (counts: readonly number[]): IntervalCount[] =>
    counts.map((count, i) => ({ start: new Date(sinceMs + i * intervalMs).toISOString(), count }));
  return { sinceMs, bounded, size, intervals };
}

/** The record times of the oldest and newest matching record (ISO UTC). */
export interface LogExtent {
  first: string;
  last: string;
}

/** Fields whose values `countBy` counts. */
export type CountableField = "service" | "templateId";

/** How many matching records have one value of a field. */
export interface ValueCount {
  value: string;
  count: number;
}

/**
 * The order `countBy` answers in: most first, ties by value in code-unit order, the same on every
 * database (their text collations differ).
 */
export function mostFirst(a: ValueCount, b: ValueCount): number {
  return b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

/** A record with the records of its service just before and just after it, each oldest first. */
export interface RecordContext {
  record: StoredRecord;
  before: StoredRecord[];
  after: StoredRecord[];
}

/** How far a store that seals in the background (the segment store) is behind, for /metrics. */
export interface SealingStats {
  /** Lines appended and not sealed yet. */
  unsealedLines: number;
  /** Sealed segments. */
  segments: number;
}

/** An append whose references are known before its records (`LogStore.openAppend`). */
export interface RecordAppender {
  /** The first record's reference; the i-th record added gets `firstRef + i`. */
  readonly firstRef: RecordRef;
  /** Takes the next records, in order; keeps nothing of the objects themselves. */
  add(records: readonly RecordToAppend[]): void;
  /** Stores the records added. */
  finish(): Promise<void>;
}

/**
 * Where mined records are kept and read back. `Batch` is the store's unit of work: the SQL store appends
 * inside the transaction that also writes the batch's anomalies and templates, so a batch commits whole.
 */
export interface LogStore<Batch> {
  /**
   * Records per `append` call this store works best with; the pipeline splits a batch into calls of this
   * size and lets the event loop in between them. Unset: the pipeline's own slice (50 records). A store
   * whose cost is per call, not per record (one row per call), asks for whole batches.
   */
  readonly appendSlice?: number;
  /** A store that seals in the background: how much waits (absent on stores that do not seal). */
  sealingStats?(): Promise<SealingStats>;
  /** Stores records in order; returns one reference per record, in input order. */
  append(batch: Batch, records: readonly RecordToAppend[], storedAt: string): Promise<RecordRef[]>;
  /**
   * `append` for a store that can issue the references of `count` records before it has them (the segment
   * store: consecutive from `firstRef`). The pipeline then hands the records over slice by slice as it
   * mines them, detects each slice at once, and lets its records go: they need not live as long as the
   * batch. `finish` stores what was added (exactly `count` records), in the same unit of work; the
   * bytes stored are the ones `append` of the same records writes.
   */
  openAppend?(batch: Batch, count: number, storedAt: string, firstRef?: RecordRef): Promise<RecordAppender>;
  /**
   * For a store whose references come from a statement of their own, outside the unit of work (the
   * segment store on PostgreSQL): the first of `count` consecutive references, issued before the unit of
   * work begins, for `openAppend` calls that cover them (`firstRef`). A caller that reserved first holds
   * one connection at a time: a cluster node's partitions each hold a transaction's connection, and
   * asking the pool for a second one inside it emptied a pool of 10 with 10 partitions, each waiting for
   * the others. References of a unit of work that fails are not used again, as those of a failed append.
   */
  reserveRefs?(count: number): Promise<RecordRef>;
  /** Records matching `query`, newest record time first (ties: greater reference first). */
  search(query: LogQuery, page: LogPage): Promise<StoredRecord[]>;
  /** The records of `refs` that exist, in reference order; unknown references are left out. */
  get(refs: readonly RecordRef[]): Promise<StoredRecord[]>;
  /**
   * Records per template per interval of `intervalMs` from `since` (inclusive, ISO UTC) to `until`
   * (exclusive, or up to the newest record), leaving out records without a template and empty intervals.
   */
  templateCounts(range: {
    since: string;
    until?: string;
    intervalMs: number;
  }): Promise<TemplateIntervalCount[]>;
  /**
   * The greatest reference stored so far, or null when empty. With one writer, records appended later get
   * greater references; with several writers (PostgreSQL sequences) reference order is not commit order,
   * so it is a bound for reading on, not proof that everything below it has committed.
   */
  watermark(): Promise<RecordRef | null>;
  /** The first and last record time among the records matching `query`; null when none does. */
  extent(query: LogQuery): Promise<LogExtent | null>;
  /**
   * Records matching `query` per interval of `intervalMs` from `query.since` (inclusive) to `query.until`
   * (exclusive): every interval in order, empty ones with count 0 (the last may end past `until`).
   */
  histogram(query: BoundedLogQuery, intervalMs: number): Promise<IntervalCount[]>;
  /**
   * Records matching `query` counted per value of `field` (records without a value left out), most first,
   * ties by value in code-unit order; the first `limit` values, or all of them without a limit.
   */
  countBy(query: LogQuery, field: CountableField, limit?: number): Promise<ValueCount[]>;
  /**
   * The record `ref` with up to `before` and `after` records of the same service around it in record time
   * (ties by reference), the way `grep -C` shows a hit's surroundings; null when `ref` is not stored.
   */
  context(ref: RecordRef, around: { before: number; after: number }): Promise<RecordContext | null>;
}
