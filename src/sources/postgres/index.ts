import type pg from "pg";
import type { PostgresSourceConfig } from "../../config/source-schema.js";
import { withinBudget } from "../../core/input-budget.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.js";
import { cutLine, DEFAULT_LINE_LIMIT, noteLineCut } from "../../core/line-limit.js";
import type { LogRecord } from "../../core/log-record.js";
import { severityNumberOf } from "../../core/severity.js";
import type { Source, SourceContext, SourceCounters, SourceState } from "../../core/source.js";
import { isoUtc } from "../../core/time.js";
import { timestampFromValue } from "../../parsers/decoders/index.js";
import { SOURCE_ATTRIBUTE } from "../file/index.js";
import { keyedSubmission } from "../read-key.js";
import { SourceStoppedError, type SubmissionCounts, sleep, submitCounted } from "../submit-retry.js";
import { CURSOR_ALIAS, pollStatement, readOnlyUrl, sourceRelation } from "./query.js";

/**
 * `cursor` is committed. `pending` is written just before a batch is submitted as the source's submission
 * number `submission`; see `FileCheckpoint` for how a restart settles it.
 */
interface Checkpoint {
  cursor: string | null;
  pending?: { to: string; submission: number };
}

function parseCheckpoint(value: JsonValue | undefined): Checkpoint {
  if (!isJsonObject(value)) return { cursor: null };
  const cursor = typeof value.cursor === "string" ? value.cursor : null;
  const p = value.pending;
  if (isJsonObject(p) && typeof p.to === "string" && typeof p.submission === "number")
    return { cursor, pending: { to: p.to, submission: p.submission } };
  return { cursor };
}

/** A column value as JSON: dates as ISO UTC, bytes as base64, everything else as the driver gave it. */
function jsonOf(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  // A jsonb column holds whatever the table's writers put there: deeper than the input budget, the
  // recursive JSON.stringify below could overflow the stack, so such a value is cut first.
  return JSON.parse(JSON.stringify(withinBudget(value as JsonValue).value)) as JsonValue;
}

/** pg loads when a PostgreSQL source starts or is probed, not at every start of a server without one. */
const loadPg = async () => (await import("pg")).default;

/** Opens a read-only pool on the source database (startup option plus `BEGIN READ ONLY` per poll). */
export async function readOnlyPool(url: string, max = 2): Promise<pg.Pool> {
  const pg = await loadPg();
  return new pg.Pool({
    connectionString: readOnlyUrl(url),
    max,
    application_name: "logwarden-source",
    connectionTimeoutMillis: 5_000,
  });
}

/** One-shot health probe: can the source relation be read? */
export async function probePostgresSource(config: PostgresSourceConfig): Promise<"ok" | "error"> {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: readOnlyUrl(config.url), connectionTimeoutMillis: 2_000 });
  // A connection ended between two statements is an "error" event, not a rejection: it would end the process.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("begin read only");
    await client.query(`select 1 from ${sourceRelation(config)} as src limit 0`);
    await client.query("commit");
    return "ok";
  } catch {
    return "error";
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * System 000's source PostgreSQL (contracts §1.8): polls a table or query read-only and hands new rows
 * to the pipeline, tracking an id or timestamp cursor in the store. The cursor moves only after the
 * rows before it are committed; a crash in between is settled at start like the file source's.
 */
export class PostgresSource implements Source {
  readonly type = "postgres";
  #state: SourceState = "stopped";
  #pool: pg.Pool | null = null;
  #ctx: SourceContext | null = null;
  #loop: Promise<void> | null = null;
  #abort = new AbortController();
  #cp: Checkpoint = { cursor: null };
  #polls = 0;
  readonly #counts: SubmissionCounts = { records: 0, failedSubmissions: 0 };
  /** Messages cut to `MAX_LINE_BYTES`, and rows past it skipped because `LINE_TOO_LONG` is `refuse`. */
  #cutLines = 0;
  #refusedLines = 0;
  /** The number of this source's last submission (see `SubmissionRef`). */
  #seq = 0;
  /**
   * Where a poll a crash left unsettled ended (`Checkpoint.pending.to`): the first poll after the restart
   * reads no further, so it reads what the crashed one read and gets its key (`keyedSubmission`).
   */
  #replayTo: string | null = null;
  /** Names this source's submissions in the store; by type too, as a name may pass to another type. */
  get #submitter(): string {
    return `${this.type}:${this.name}`;
  }
  lastError: string | null = null;

  /** Polls completed since construction; once one that began after a write has completed, the write is stored. */
  get polls(): number {
    return this.#polls;
  }

  constructor(
    readonly name: string,
    readonly options: PostgresSourceConfig,
  ) {}

  counters(): SourceCounters {
    return {
      ...this.#counts,
      polls: this.#polls,
      cutLines: this.#cutLines,
      refusedLines: this.#refusedLines,
    };
  }

  state(): SourceState {
    return this.#state;
  }

  get #key(): string {
    return `source:postgres:${this.name}`;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#abort = new AbortController();
    this.#state = "starting";
    this.#pool = await readOnlyPool(this.options.url);
    // A source database that is down must not stop the service: errors are logged and polling goes on.
    this.#pool.on("error", (err) => ctx.log.warn({ err }, "source PostgreSQL connection error"));
    // A checked-out client gets it too, and the pool listens only on idle ones (see store/dialect/postgres.ts).
    // Not logged here: an idle client's is logged above, and a checked-out one's fails the poll that holds it.
    this.#pool.on("connect", (client) => client.on("error", () => {}));
    this.#cp = parseCheckpoint(await ctx.checkpoints.load(this.#key));
    const committed = await ctx.checkpoints.committedSubmission(this.#submitter);
    this.#seq = Math.max(committed, this.#cp.pending?.submission ?? 0);
    if (this.#cp.pending) {
      if (this.#cp.pending.submission <= committed) this.#cp.cursor = this.#cp.pending.to;
      else this.#replayTo = this.#cp.pending.to;
      delete this.#cp.pending;
      await ctx.checkpoints.save(this.#key, this.#json());
    }
    ctx.log.info(
      {
        relation: this.options.query ? "query" : this.options.table,
        cursor: this.#cp.cursor,
      },
      "PostgreSQL source started",
    );
    this.#loop = this.#run();
  }

  #json(): JsonValue {
    return this.#cp.pending
      ? { cursor: this.#cp.cursor, pending: { ...this.#cp.pending } }
      : { cursor: this.#cp.cursor };
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let more = false;
      try {
        more = await this.pollOnce();
        this.#polls++;
        if (this.#state !== "ok") this.#ctx!.log.info({}, "source PostgreSQL reachable");
        this.#state = "ok";
        this.lastError = null;
      } catch (error) {
        if (error instanceof SourceStoppedError) break;
        this.lastError = (error as Error).message;
        if (this.#state !== "error")
          this.#ctx!.log.error({ err: error }, "polling the source PostgreSQL failed");
        this.#state = "error";
      }
      if (more) continue; // a full batch: there is probably more right now
      try {
        await sleep(this.options.pollSecs * 1000, signal);
      } catch {
        break;
      }
    }
  }

  /** Reads and submits one batch; true when it was full. */
  async pollOnce(): Promise<boolean> {
    const client = await this.#pool!.connect();
    let rows: Record<string, unknown>[];
    try {
      await client.query("begin read only");
      const bound = this.#replayTo;
      const result = await client.query(
        pollStatement(this.options, this.#cp.cursor !== null, bound !== null),
        bound !== null
          ? [this.#cp.cursor, this.options.batchRows, bound]
          : [this.#cp.cursor, this.options.batchRows],
      );
      await client.query("commit");
      rows = result.rows as Record<string, unknown>[];
    } catch (error) {
      await client.query("rollback").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    const from = this.#cp.cursor;
    // Read as it was: from now on polls go on past it.
    this.#replayTo = null;
    if (rows.length === 0) return false;
    const full = rows.length === this.options.batchRows;
    if (full && this.options.cursor.kind === "timestamp") {
      // Rows sharing the last timestamp may continue past the limit; leave them whole for the next poll.
      const last = rows.at(-1)![CURSOR_ALIAS];
      const keep = rows.filter((r) => r[CURSOR_ALIAS] !== last);
      if (keep.length > 0) rows = keep;
    }
    const to = String(rows.at(-1)![CURSOR_ALIAS]);
    const records: LogRecord[] = [];
    for (const r of rows) {
      const record = this.#record(r);
      if (record) records.push(record);
    }
    const cps = this.#ctx!.checkpoints;
    if (records.length === 0) {
      // Every row was refused by the line limit: the cursor moves past them.
      this.#cp = { cursor: to };
      await cps.save(this.#key, this.#json());
      return full;
    }
    const submission = keyedSubmission(
      this.#submitter,
      ++this.#seq,
      [this.#submitter, from ?? "", to],
      records,
    );
    this.#cp.pending = { to, submission: submission.seq };
    await cps.save(this.#key, this.#json());
    await submitCounted(this.#ctx!.submit, records, this.#abort.signal, submission, this.#counts);
    this.#cp = { cursor: to };
    await cps.save(this.#key, this.#json());
    return full;
  }

  /** A row's record, its message held to `MAX_LINE_BYTES`; null for a row skipped by the limit's refusal. */
  #record(row: Record<string, unknown>): LogRecord | null {
    const { columns } = this.options;
    const now = this.#ctx!.clock.now();
    const observedAt = isoUtc(now);
    const ts = jsonOf(row[columns.timestamp]);
    const level = columns.level ? row[columns.level] : undefined;
    const severityText = typeof level === "string" && level !== "" ? level : null;
    const resource: JsonObject = {};
    const program = row[columns.program];
    if (typeof program === "string" && program !== "") resource["service.name"] = program;
    const host = row[columns.host];
    if (typeof host === "string" && host !== "") resource["host.name"] = host;
    const mapped = new Set<string>([
      columns.timestamp,
      columns.program,
      columns.host,
      columns.message,
      CURSOR_ALIAS,
    ]);
    if (columns.level) mapped.add(columns.level);
    const attributes: JsonObject = {};
    for (const [k, v] of Object.entries(row)) if (!mapped.has(k)) attributes[k] = jsonOf(v);
    attributes["db.cursor"] = String(row[CURSOR_ALIAS]);
    attributes[SOURCE_ATTRIBUTE] = this.name;
    const message = row[columns.message];
    let body =
      message === null || message === undefined
        ? ""
        : typeof message === "string"
          ? message
          : JSON.stringify(jsonOf(message));
    const limit = this.#ctx!.lineLimit ?? DEFAULT_LINE_LIMIT;
    const cut = cutLine(body, limit.maxBytes);
    if (cut) {
      if (limit.onTooLong === "refuse") {
        const refused = ++this.#refusedLines;
        if (refused === 1 || refused % 1000 === 0)
          this.#ctx!.log.warn(
            {
              cursor: attributes["db.cursor"],
              bytes: cut.originalBytes,
              maxLineBytes: limit.maxBytes,
              refused,
            },
            "row message longer than MAX_LINE_BYTES skipped (LINE_TOO_LONG is refuse)",
          );
        return null;
      }
      body = cut.text;
      this.#cutLines++;
    }
    const record: LogRecord = {
      timestamp: timestampFromValue(ts, now) ?? observedAt,
      observedTimestamp: observedAt,
      severityText,
      severityNumber: severityNumberOf(severityText),
      body,
      attributes,
      resource,
    };
    if (cut) noteLineCut(record, cut);
    return record;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    this.#loop = null;
    await this.#pool?.end().catch(() => {});
    this.#pool = null;
    this.#state = "stopped";
  }
}
