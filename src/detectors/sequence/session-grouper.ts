import type { Clock } from "../../core/clock.js";
import type { LogRecord } from "../../core/log-record.js";
import type { UndoLog } from "../../core/undo.js";

/**
 * Where a record's session id comes from: an attribute (then a resource attribute) of that name,
 * or a regex on the message body. With a regex the first match is the id, or its first capture
 * group when it has one (`blk_[-0-9]+` gives `blk_-1608…`; `user=(\w+)` gives the user alone).
 */
export type SessionKey = { field: string } | { regex: RegExp | string };

export interface SessionGrouperOptions {
  key: SessionKey;
  /** A session with no record for this long is closed. */
  idleTimeoutMs: number;
  /** Beyond this many open sessions the least recently active one is closed, bounding memory. */
  maxOpenSessions: number;
  clock: Clock;
  /** Journals changes into this log (the owning detector's), so a rolled-back batch leaves no session changed. */
  undo?: UndoLog;
}

export type CloseReason = "idle" | "evicted" | "end";

export interface ClosedSession<R> {
  id: string;
  records: R[];
  reason: CloseReason;
  /** Clock times of the first and the last record. */
  openedAt: number;
  lastSeenAt: number;
  /** The longest clock time between two consecutive records of the session (0 for one record). */
  longestGapMs: number;
}

interface OpenSession<R> {
  records: R[];
  openedAt: number;
  lastSeenAt: number;
  longestGapMs: number;
  /** Rises with every record: the map's order (least recently active first), restored by a rollback. */
  activity: number;
}

/** An open session as a saved state keeps it (`openSessionList`, `restoreOpenSessions`). */
export interface OpenSessionState<R> {
  id: string;
  records: R[];
  openedAt: number;
  lastSeenAt: number;
  longestGapMs: number;
}

/** Reads a record's session id, or null when the record has none. */
export function sessionKeyReader(key: SessionKey): (record: LogRecord) => string | null {
  if ("field" in key) {
    const field = key.field;
    return (record) => {
      const value = record.attributes[field] ?? record.resource[field];
      if (typeof value === "string") return value === "" ? null : value;
      return typeof value === "number" || typeof value === "boolean" ? String(value) : null;
    };
  }
  // Drop g/y: with them RegExp.exec keeps lastIndex between records and skips matches.
  const source = typeof key.regex === "string" ? new RegExp(key.regex) : key.regex;
  const regex = new RegExp(source.source, source.flags.replace(/[gy]/g, ""));
  return (record) => {
    const m = regex.exec(record.body);
    if (!m) return null;
    return (m.length > 1 ? m[1] : m[0]) ?? null;
  };
}

/**
 * Groups records into sessions by key, in arrival order. Pure apart from the injected clock: it
 * only returns closed sessions, and the caller decides what to do with them.
 */
export class SessionGrouper<R extends LogRecord = LogRecord> {
  readonly #readKey: (record: LogRecord) => string | null;
  readonly #options: SessionGrouperOptions;
  #idleTimeoutMs: number;
  /** Map order is least recently active first, so idle and LRU closing both read from the front. */
  readonly #open = new Map<string, OpenSession<R>>();
  #unkeyed = 0;
  #activity = 0;
  /** Session ids journaled in the undo log's current batch. */
  readonly #remembered = new Set<string>();
  #rememberedEpoch = -1;

  constructor(options: SessionGrouperOptions) {
    if (!(Number.isInteger(options.maxOpenSessions) && options.maxOpenSessions >= 1))
      throw new Error("maxOpenSessions must be a positive integer");
    this.#options = options;
    this.#idleTimeoutMs = 0;
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.#readKey = sessionKeyReader(options.key);
    // Undone last: once every session is back, the map is put back in activity order.
    options.undo?.atEachBegin(() => {
      const unkeyed = this.#unkeyed;
      return () => {
        this.#unkeyed = unkeyed;
        const sessions = [...this.#open].sort((a, b) => a[1].activity - b[1].activity);
        this.#open.clear();
        for (const [id, session] of sessions) this.#open.set(id, session);
      };
    });
  }

  /**
   * Journals session `id` before a batch first changes it: records are only appended, so their count is
   * enough; a session the batch opened is removed again, one it closed is reopened.
   */
  #remember(id: string): void {
    const log = this.#options.undo;
    if (!log?.recording) return;
    if (this.#rememberedEpoch !== log.epoch) {
      this.#rememberedEpoch = log.epoch;
      this.#remembered.clear();
    }
    if (this.#remembered.has(id)) return;
    this.#remembered.add(id);
    log.push(sessionUndo(this.#open, id));
  }

  get idleTimeoutMs(): number {
    return this.#idleTimeoutMs;
  }

  /** Changes the idle timeout from now on; Infinity closes sessions only by the cap or `flush`. */
  set idleTimeoutMs(ms: number) {
    if (!(ms > 0)) throw new Error("idleTimeoutMs must be > 0");
    this.#idleTimeoutMs = ms;
  }

  get openSessions(): number {
    return this.#open.size;
  }

  /** Records seen without a session id (they belong to no session and are not kept). */
  get unkeyedRecords(): number {
    return this.#unkeyed;
  }

  /** The open sessions, least recently active first: what a saved state needs to go on with them. */
  openSessionList(): OpenSessionState<R>[] {
    return [...this.#open].map(([id, s]) => ({
      id,
      records: s.records,
      openedAt: s.openedAt,
      lastSeenAt: s.lastSeenAt,
      longestGapMs: s.longestGapMs,
    }));
  }

  /** Reopens saved sessions (`openSessionList`), in their order, as the most recently active. */
  restoreOpenSessions(sessions: readonly OpenSessionState<R>[]): void {
    for (const s of sessions) {
      this.#remember(s.id);
      this.#open.delete(s.id);
      this.#open.set(s.id, {
        records: [...s.records],
        openedAt: s.openedAt,
        lastSeenAt: s.lastSeenAt,
        longestGapMs: s.longestGapMs,
        activity: ++this.#activity,
      });
    }
  }

  /** Adds one record; returns the sessions this closed (idle ones first, then an evicted one). */
  add(record: R): ClosedSession<R>[] {
    const closed = this.expire();
    const id = this.#readKey(record);
    if (id === null) {
      this.#unkeyed++;
      return closed;
    }
    const now = this.#options.clock.now();
    this.#remember(id);
    const session = this.#open.get(id);
    if (session) {
      this.#open.delete(id);
      session.records.push(record);
      // Written as a comparison so a clock without time yet (NaN gaps) leaves it at 0.
      const gap = now - session.lastSeenAt;
      if (gap > session.longestGapMs) session.longestGapMs = gap;
      session.lastSeenAt = now;
      session.activity = ++this.#activity;
      this.#open.set(id, session);
      return closed;
    }
    if (this.#open.size >= this.#options.maxOpenSessions) {
      const [oldest] = this.#open.keys();
      if (oldest !== undefined) closed.push(this.#close(oldest, "evicted"));
    }
    this.#open.set(id, {
      records: [record],
      openedAt: now,
      lastSeenAt: now,
      longestGapMs: 0,
      activity: ++this.#activity,
    });
    return closed;
  }

  addAll(records: Iterable<R>): ClosedSession<R>[] {
    const closed: ClosedSession<R>[] = [];
    for (const record of records) closed.push(...this.add(record));
    return closed;
  }

  /** Closes the sessions idle for at least the timeout; call it on a timer when input is quiet. */
  expire(): ClosedSession<R>[] {
    const limit = this.#options.clock.now() - this.#idleTimeoutMs;
    const closed: ClosedSession<R>[] = [];
    for (const [id, session] of this.#open) {
      if (session.lastSeenAt > limit) break;
      closed.push(this.#close(id, "idle"));
    }
    return closed;
  }

  /** End of input: closes every open session, oldest activity first. */
  flush(): ClosedSession<R>[] {
    return [...this.#open.keys()].map((id) => this.#close(id, "end"));
  }

  #close(id: string, reason: CloseReason): ClosedSession<R> {
    this.#remember(id);
    const session = this.#open.get(id)!;
    this.#open.delete(id);
    return {
      id,
      records: session.records,
      reason,
      openedAt: session.openedAt,
      lastSeenAt: session.lastSeenAt,
      longestGapMs: session.longestGapMs,
    };
  }
}

/**
 * `#remember`'s rollback step for session `id` as it is now: made here, not in `#remember`, which runs
 * for every record, because a function that makes a closure over its parameters gets a context object
 * on every call, whichever branch it takes (docs/architecture.md, "Records cross as JSON text, and the
 * collector's share").
 */
function sessionUndo<R>(open: Map<string, OpenSession<R>>, id: string): () => void {
  const session = open.get(id);
  if (!session) return () => open.delete(id);
  const { records, lastSeenAt, longestGapMs, activity } = session;
  const length = records.length;
  return () => {
    records.length = length;
    Object.assign(session, { lastSeenAt, longestGapMs, activity });
    open.set(id, session);
  };
}
