import { DECODE_NOTE, withinBudget } from "../core/input-budget.js";
import type { JsonObject } from "../core/json.js";
import {
  cutLine,
  DEFAULT_LINE_LIMIT,
  type LineLimit,
  lineCutWarning,
  noteLineCut,
  tooLongBytes,
} from "../core/line-limit.js";
import type { LogRecord } from "../core/log-record.js";
import { canonicalIsoMs } from "../core/time.js";
import { type DecodeContext, decodeLine, levelWordNumber, referenceNow } from "../parsers/decoders/index.js";
import { isoFromText } from "../parsers/decoders/iso-time.js";
import { setField } from "../parsers/decoders/json-fields.js";
import type { RecordSource } from "../pipeline/ingest-pipeline.js";
import { GroupTally } from "./scoring.js";

/** System 004's log object (contracts §5.2). */
export interface IngestLog {
  timestamp?: string | undefined;
  service?: string | undefined;
  level?: string | undefined;
  message: string;
  /** Parsed from JSON, so every value is JSON. */
  metadata?: Record<string, unknown> | undefined;
}

/** Something a log said that was not taken as given; the record was stored anyway. */
export interface IngestWarning {
  /** 0-based position of the log in the request. */
  index: number;
  field: "timestamp" | "level" | "service" | "message" | "metadata";
  message: string;
}

/** Every warning counted, the first few shown: a large request with one recurring problem stays small. */
export interface IngestWarnings {
  count: number;
  samples: IngestWarning[];
  /**
   * Logs that gave no `timestamp` and whose message held no time Logwarden could read, so they were
   * stored with the time they were received: counted, not listed (a request of bare messages would fill
   * the samples), and not in `count`, which counts values not taken as given. Only when some were.
   */
  times_not_read?: number;
}

export const WARNING_SAMPLES = 10;

/**
 * A time must name its year: the last resort of `isoFromText` is V8's `Date.parse`, which makes one up
 * for text without it ("Oct 11 22:14:15" and "day 10" become 2001, "12" becomes 2001-12-01).
 */
const NAMES_A_YEAR = /(^|\D)\d{4}(\D|$)/;

/** Whether the object has a key other than `except`; on the ingest hot path, so no key array is built. */
function hasKeyBesides(o: JsonObject, except?: string): boolean {
  for (const k in o) if (k !== except) return true;
  return false;
}

/** Reports a value not taken as given; `index` is the log's position in its request. */
type Warn = (field: IngestWarning["field"], message: string, index: number) => void;

/** A value quoted in a warning, cut so one huge field cannot bloat the response. */
const quoted = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/**
 * System 004's log object as a record. `message` is decoded as the file and syslog sources decode a line
 * (`decodeLine`): a whole syslog line gives its time, host, program (the service), pid and severity, and
 * its header stays out of the template; a plain message stays as it is. What the client states
 * explicitly (`timestamp`, `service`, `level`, `metadata`) wins over what the message says. A value that
 * cannot be used is reported through `warn` instead of being replaced silently.
 */
export function recordFromIngestLog(
  log: IngestLog,
  observedAt: string,
  options: {
    warn?: (field: IngestWarning["field"], message: string) => void;
    /** The resource of a record whose message names no host: lets records of one service share one. */
    resourceFor?: (service: string) => JsonObject;
    /** The longest message kept (`MAX_LINE_BYTES`); a longer one is cut and flagged. */
    maxLineBytes?: number;
  } = {},
): LogRecord {
  return recordOf(
    log,
    0,
    recordDecoding(
      { observedAt },
      options.warn,
      options.resourceFor,
      options.maxLineBytes ?? DEFAULT_LINE_LIMIT.maxBytes,
    ),
    givenTimeMs(log),
  );
}

/**
 * Epoch ms of the log's time when it is canonical ISO (most clients send it), else undefined. Such a time
 * names its year and is its own normal form: no regex, no parse.
 */
function givenTimeMs(log: IngestLog): number | undefined {
  return log.timestamp ? canonicalIsoMs(log.timestamp) : undefined;
}

/** What decoding a request's logs shares: built once a request, not once a log. */
interface RecordDecoding {
  ctx: DecodeContext;
  /** `ctx` for a log that carries a canonical time of its own (`DecodeContext.timeGiven`). */
  timeGivenCtx: DecodeContext;
  warn: Warn | undefined;
  resourceFor: ((service: string) => JsonObject) | undefined;
  /** `MAX_LINE_BYTES`: a longer message is cut (`cutLine`) before it is decoded. */
  maxLineBytes: number;
}

function recordDecoding(
  ctx: DecodeContext,
  warn: Warn | undefined,
  resourceFor: ((service: string) => JsonObject) | undefined,
  maxLineBytes: number,
): RecordDecoding {
  return { ctx, timeGivenCtx: { ...ctx, timeGiven: true }, warn, resourceFor, maxLineBytes };
}

/**
 * `recordFromIngestLog` with the request's decode context and warning sink passed in, so a request builds
 * them once instead of once per log. The decoder's record is fresh (every decoder builds a new one), so it
 * is completed in place rather than copied: spreading its attributes and the metadata into a new object
 * was 1.5 µs a line, more than everything else here together.
 */
function recordOf(
  log: IngestLog,
  index: number,
  d: RecordDecoding,
  /** `givenTimeMs(log)`, read by the caller, which may need it too. */
  tsMs: number | undefined,
): LogRecord {
  const { ctx, warn, resourceFor } = d;
  const ts = log.timestamp;
  // Held to MAX_LINE_BYTES before anything reads it (a refusing request was checked whole before).
  const cut = cutLine(log.message, d.maxLineBytes);
  // A canonical time is the record's, so the message's own header time is left unconverted (`timeGiven`).
  const record = decodeLine(cut ? cut.text : log.message, tsMs === undefined ? ctx : d.timeGivenCtx);
  if (cut) {
    noteLineCut(record, cut);
    warn?.("message", lineCutWarning(cut, d.maxLineBytes), index);
  }

  // Decoders stamp a record that carries no time with `observedAt`.
  if (ts) {
    const given = tsMs !== undefined ? ts : NAMES_A_YEAR.test(ts) ? isoFromText(ts) : null;
    if (given) record.timestamp = given;
    else
      warn?.(
        "timestamp",
        `${quoted(ts)} is not an ISO-8601 time; stored with ${
          record.timestamp === ctx.observedAt ? "the time it was received" : "the time written in the message"
        } (${record.timestamp})`,
        index,
      );
  }

  if (log.level) {
    record.severityText = log.level;
    record.severityNumber = levelWordNumber(log.level);
    if (record.severityNumber === 0)
      warn?.("level", `${quoted(log.level)} is not a known level; stored as given, with no severity`, index);
  }

  const named = record.resource["service.name"];
  const service = log.service || (typeof named === "string" && named !== "" ? named : "");
  if (!service)
    warn?.("service", 'no service given and the message names none; stored in the stream "unknown"', index);
  const stream = service || "unknown";
  // Most messages carry no host: their records share one resource object per service.
  if (hasKeyBesides(record.resource, "service.name")) record.resource["service.name"] = stream;
  else record.resource = resourceFor?.(stream) ?? { "service.name": stream };

  let metadata = log.metadata as JsonObject | undefined;
  if (metadata) {
    const held = withinBudget(metadata);
    if (held.excess !== null) {
      metadata = held.value;
      warn?.("metadata", `${held.excess}; stored with the structure past the input budget cut`, index);
    }
  }
  const note = record.attributes[DECODE_NOTE];
  if (typeof note === "string") warn?.("message", note, index);
  if (metadata) {
    const attributes = record.attributes;
    // Metadata wins a clash with what the message said, as `{...attributes, ...metadata}` did.
    if (hasKeyBesides(attributes)) for (const key in metadata) setField(attributes, key, metadata[key]!);
    else record.attributes = metadata;
    // A machine named in the metadata is the record's host when the message named none (detectors and
    // findings read the resource's); the resource may be shared by the service's records, so it is copied.
    const host = metadata.host ?? metadata.hostname;
    if (typeof host === "string" && host !== "" && record.resource["host.name"] === undefined)
      record.resource = { ...record.resource, "host.name": host };
  }
  return record;
}

/**
 * The first log whose message is past `maxBytes`, with its position and length, or null: a request is
 * refused whole (`LINE_TOO_LONG=refuse`) before any of it is stored.
 */
export function tooLongLog(
  logs: readonly (IngestLog | undefined)[],
  maxBytes: number,
): { index: number; bytes: number } | null {
  for (let i = 0; i < logs.length; i++) {
    const message = logs[i]?.message;
    if (typeof message !== "string") continue;
    const bytes = tooLongBytes(message, maxBytes);
    if (bytes !== null) return { index: i, bytes };
  }
  return null;
}

/** A service's logs in one request: their positions, and the figures its score and incident need. */
export interface ServiceGroup {
  indexes: number[];
  tally: GroupTally;
}

/**
 * A request's records as `ingestLogs` reads them: decoded on the event loop as the pipeline asks
 * (`IngestRecords`), or decoded already on a decode thread (`DecodedIngestRecords`). Once every record is
 * read, `groups` and `warnings` hold what the response needs.
 */
export interface IngestSource extends RecordSource {
  readonly groups: ReadonlyMap<string, ServiceGroup>;
  readonly warnings: IngestWarnings;
  /** Whether `logsAt` can give the logs back (an external scorer is sent each group's logs). */
  readonly keepLogs: boolean;
  logsAt(indexes: readonly number[]): IngestLog[];
  /** Reads whatever the port that took the records did not, so the response counts every log. */
  finish(): void;
}

/**
 * A request's logs as the records the pipeline takes, each decoded only when the pipeline asks for its
 * slice (`RecordSource`), not when the request arrives. A 5,000-line body used to be decoded at once and
 * its records then waited in the queue behind the batches before it (three of them under four busy
 * connections): they outlived several young-generation scavenges and V8 promoted them to the old
 * generation, whose collection is the expensive kind. Decoded here, a record is mined within
 * milliseconds; what the response needs from it is counted as it is decoded (its service group's figures
 * and the warnings), so the request keeps no record of its own.
 */
export class IngestRecords implements IngestSource {
  /** The response needs each record's reference only: the pipeline lets the records go as it goes. */
  readonly keepRecords = false;
  readonly groups = new Map<string, ServiceGroup>();
  readonly warnings: IngestWarnings = { count: 0, samples: [] };
  /** Logs before this one are decoded; slices are asked for in order, each once. */
  #next = 0;
  readonly #decoding: RecordDecoding;
  /** One resource object per service, shared by its records (the store encodes it once per run). */
  readonly #resources = new Map<string, JsonObject>();
  readonly #warn: Warn = (field, message, index) => {
    if (this.warnings.count++ < WARNING_SAMPLES) this.warnings.samples.push({ index, field, message });
  };
  readonly #resourceOf = (service: string): JsonObject => {
    let resource = this.#resources.get(service);
    if (!resource) {
      resource = { "service.name": service };
      this.#resources.set(service, resource);
    }
    return resource;
  };

  /** The logs not decoded yet, and the decoded ones while `keepLogs` or `#replayable` (see `IngestRecords`). */
  readonly #logs: (IngestLog | undefined)[];
  /** Decoded logs are kept so that `rewind` can decode them again (the batch is shared: `keepForReplay`). */
  #replayable = false;

  constructor(
    logs: (IngestLog | undefined)[],
    observedAt: string,
    /** Whether the logs are needed once decoded: an external scorer is sent each group's logs. */
    readonly keepLogs: boolean,
    /** `MAX_LINE_BYTES` and `LINE_TOO_LONG` (refusing is checked before: `tooLongLog`). */
    limit: LineLimit = DEFAULT_LINE_LIMIT,
  ) {
    // The request's own array (its parsed body): a copy would leave every log held by the request.
    this.#logs = logs;
    // One context for the request: RFC 3164 dates infer their year from `now`, parsed here once, not per line.
    this.#decoding = recordDecoding(
      { observedAt, now: referenceNow({ observedAt }) },
      this.#warn,
      this.#resourceOf,
      limit.maxBytes,
    );
  }

  get length(): number {
    return this.#logs.length;
  }

  /** The logs at `indexes`; only while `keepLogs`. */
  logsAt(indexes: readonly number[]): IngestLog[] {
    if (!this.keepLogs) throw new Error("the request's logs were let go as they were decoded");
    return indexes.map((i) => this.#logs[i]!);
  }

  /** Decodes (and counts) whatever the port that took the records did not read, so the response counts every log. */
  finish(): void {
    if (this.#next < this.#logs.length) this.slice(this.#next, this.#logs.length);
  }

  keepForReplay(): void {
    this.#replayable = true;
  }

  /** Decodes again from the first log, counting afresh: what the failed batch counted is forgotten. */
  rewind(): void {
    if (!this.#replayable) throw new Error("ingest records were not kept for a replay");
    this.#next = 0;
    this.groups.clear();
    this.warnings.count = 0;
    this.warnings.samples.length = 0;
    delete this.warnings.times_not_read;
  }

  slice(start: number, end: number): LogRecord[] {
    // Counting a log twice, or skipping one, would change the response: the pipeline reads each once.
    if (start !== this.#next)
      throw new Error(`ingest records read out of order: ${start} after ${this.#next}`);
    const logs = this.#logs;
    const stop = Math.min(end, logs.length);
    const out: LogRecord[] = new Array(Math.max(0, stop - start));
    for (let i = start; i < stop; i++) {
      const log = logs[i]!;
      // Read once: the record's time when it is canonical, and the tally's.
      const tsMs = givenTimeMs(log);
      const record = recordOf(log, i, this.#decoding, tsMs);
      // Decoders stamp a record whose message names no time with `observedAt`: say so rather than file
      // an old line under today (a time the log gave and that failed is warned about in `recordOf`).
      if (!log.timestamp && record.timestamp === this.#decoding.ctx.observedAt)
        this.warnings.times_not_read = (this.warnings.times_not_read ?? 0) + 1;
      if (!this.keepLogs && !this.#replayable) logs[i] = undefined;
      this.#count(record, i, tsMs ?? Number.NaN);
      out[i - start] = record;
    }
    this.#next = Math.max(start, stop);
    return out;
  }

  #count(record: LogRecord, index: number, timeMs: number): void {
    const service = String(record.resource["service.name"]);
    let group = this.groups.get(service);
    if (!group) {
      group = { indexes: [], tally: new GroupTally() };
      this.groups.set(service, group);
    }
    group.indexes.push(index);
    group.tally.add(record, timeMs);
  }
}
