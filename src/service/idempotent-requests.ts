import type { Kysely } from "kysely";
import type { Clock } from "../core/clock.js";
import { UnavailableError, UserError } from "../core/errors.js";
import type { JsonValue } from "../core/json.js";
import type { IdempotentSubmission, IngestResult } from "../pipeline/ingest-pipeline.js";
import type { Store } from "../store/db.js";
import {
  claimKey,
  deleteIdempotencyKey,
  findIdempotencyKey,
  forgetIdempotencyKeysBefore,
  type IdempotencyKeyRow,
  insertStoredKey,
  recordAnswer,
} from "../store/repos/idempotency-keys.js";
import type { Database } from "../store/schema.js";

/** An answer as a keyed route gives it, and gives it again to a resend. */
export interface IdempotentAnswer {
  status: number;
  /** The content type of `body`. */
  type: string;
  /** A JSON answer's value, or an encoded answer's bytes (OTLP's protobuf). */
  body: JsonValue | Uint8Array;
}

/** A request carrying `Idempotency-Key`. */
export interface KeyedRequest {
  /** The route and the credential: one client's key never meets another's. */
  scope: string;
  key: string;
  /** SHA-256 of the route, query and body bytes: the same key with another body is refused. */
  digest: string;
}

/** One attempt at a keyed request, as the route's work sees it (`IdempotentRequests.run`). */
export interface KeyedAttempt {
  /**
   * What to submit the lines with. On one node it writes the key in the transaction that stores them, with
   * `partialOf`'s value: what finishing the answer needs should the process stop before it answers.
   */
  submission(partialOf?: (result: IngestResult) => JsonValue): IdempotentSubmission;
  /**
   * Records the answer in `trx`, the transaction of whatever else the answer writes. Throws
   * `AnsweredMeanwhile` when another attempt's answer was recorded first: the transaction then rolls
   * back, and the request is answered with that one.
   */
  recordAnswer(trx: Kysely<Database>, answer: IdempotentAnswer): Promise<void>;
}

/** What a route does for a keyed request. */
export interface KeyedWork {
  /** Stores the lines and answers (on a cluster node, at every attempt: the owners drop what they committed). */
  fresh(attempt: KeyedAttempt): Promise<IdempotentAnswer>;
  /** An earlier attempt stored the lines here but never answered: answers without storing them again. */
  finish(attempt: KeyedAttempt, partial: JsonValue | null): Promise<IdempotentAnswer>;
}

export interface KeyedOutcome {
  answer: IdempotentAnswer;
  /** The answer recorded by an earlier attempt, given again. */
  replayed: boolean;
}

/** Another attempt recorded its answer first (a resend raced the first on another node). */
export class AnsweredMeanwhile extends Error {
  constructor() {
    super("another attempt with this Idempotency-Key answered first");
  }
}

/** Another writer stored lines under the key first (two processes on one store). */
class KeyTaken extends Error {
  constructor() {
    super("another attempt with this Idempotency-Key stored its lines first");
  }
}

/** Attempts at one request before giving up with a 503: each retry follows another attempt's write. */
const MAX_ROUNDS = 4;
/** How often expired keys are swept. */
const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * `Idempotency-Key` on the ingest routes (issue 45 item 2, docs/api.md "Sending again"): a request sent
 * again with the same key, to any node, after any failure, is stored once and answered like the first.
 *
 * - One node: the key's row is written in the transaction that stores the lines (`KeyedAttempt.submission`),
 *   so a crash leaves both or neither. A resend finds the answer (given again), or the lines without an
 *   answer (the process stopped in between: the answer is finished from what the row kept, nothing stored
 *   again), or nothing (stored as new).
 * - A cluster node hands the lines off under message ids derived from the key (handoff-publisher.ts), so
 *   every attempt hands them off again and the partitions' owners drop what they committed; the row is a
 *   claim (the body's digest) written first, and then the answer.
 * - The same key while its first attempt is under way on this node waits for it, then answers like it;
 *   attempts on two nodes both hand off (harmless) and the first answer recorded is everyone's.
 * - The same key with another body: 422 `idempotency_key_reused`.
 */
export class IdempotentRequests {
  /** Attempts under way on this node, by scope and key: a second waits for the first. */
  readonly #underWay = new Map<string, Promise<unknown>>();
  #sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** How long a key is remembered (INGEST_IDEMPOTENCY_HOURS). */
    readonly retentionMs: number,
    /** A cluster node: lines are handed off, not stored here (their key's row cannot commit with them). */
    private readonly handsOff: boolean,
  ) {}

  async run(request: KeyedRequest, work: KeyedWork): Promise<KeyedOutcome> {
    const id = `${request.scope}\n${request.key}`;
    for (let ahead = this.#underWay.get(id); ahead; ahead = this.#underWay.get(id)) await ahead;
    // Set before anything is awaited, so a third attempt arriving now waits for this one.
    const attempt = this.#attempt(request, work);
    const settled = attempt.then(
      () => {},
      () => {},
    );
    this.#underWay.set(id, settled);
    try {
      return await attempt;
    } finally {
      if (this.#underWay.get(id) === settled) this.#underWay.delete(id);
    }
  }

  async #attempt(request: KeyedRequest, work: KeyedWork): Promise<KeyedOutcome> {
    const attempt = this.#keyedAttempt(request);
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      try {
        const row = await this.#live(request);
        if (row && row.digest !== request.digest) throw reusedKey();
        if (row?.answer != null) return { answer: decodeAnswer(row.answer), replayed: true };
        if (row && row.records !== null)
          return { answer: await work.finish(attempt, parsePartial(row.partial)), replayed: false };
        if (this.handsOff && !row) {
          const held = await claimKey(this.store.db, { ...request, createdMs: this.clock.now() });
          if (held !== request.digest) throw reusedKey();
        }
        return { answer: await work.fresh(attempt), replayed: false };
      } catch (error) {
        // Another attempt wrote first: read again what it left.
        if (!(error instanceof AnsweredMeanwhile || error instanceof KeyTaken)) throw error;
      }
    }
    throw new UnavailableError("attempts with this Idempotency-Key keep overtaking each other; retry", 1);
  }

  /** The key's row unless it expired (an expired one is removed: the request is new). */
  async #live(request: KeyedRequest): Promise<IdempotencyKeyRow | undefined> {
    const row = await findIdempotencyKey(this.store.db, request);
    if (!row || row.createdMs >= this.clock.now() - this.retentionMs) return row;
    await deleteIdempotencyKey(this.store.db, request, row.createdMs);
    return undefined;
  }

  #keyedAttempt(request: KeyedRequest): KeyedAttempt {
    return {
      submission: (partialOf) => ({
        // The digest too: a body sent under a key whose row expired meanwhile can never be taken for another.
        key: `${request.scope}\n${request.key}\n${request.digest}`,
        withRecords: async (trx, result) => {
          const stored = await insertStoredKey(trx, {
            ...request,
            createdMs: this.clock.now(),
            records: result.refs.length,
            partial: partialOf ? JSON.stringify(partialOf(result)) : null,
          });
          if (!stored) throw new KeyTaken();
        },
      }),
      recordAnswer: async (trx, answer) => {
        const recorded = await recordAnswer(trx, {
          ...request,
          createdMs: this.clock.now(),
          answer: encodeAnswer(answer),
        });
        if (!recorded) throw new AnsweredMeanwhile();
      },
    };
  }

  /** Forgets keys older than the retention; returns how many. */
  sweep(): Promise<number> {
    return forgetIdempotencyKeysBefore(this.store.db, this.clock.now() - this.retentionMs);
  }

  /** Sweeps every 10 minutes until `stop` (a process that writes; a reader beside a server leaves it). */
  startSweeping(onError: (error: unknown) => void): void {
    if (this.#sweeper) return;
    this.#sweeper = setInterval(() => {
      this.sweep().catch(onError);
    }, SWEEP_EVERY_MS);
    this.#sweeper.unref();
  }

  /** Stops sweeping and waits for the attempts under way (their answers are still to be recorded). */
  async stop(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = null;
    await Promise.all(this.#underWay.values());
  }
}

function reusedKey(): UserError {
  return new UserError(
    "this Idempotency-Key was sent with another request body; a key names one request (use a new key for a new request)",
    "idempotency_key_reused",
  );
}

function parsePartial(text: string | null): JsonValue | null {
  return text === null ? null : (JSON.parse(text) as JsonValue);
}

/** `{status, type, json}` for a JSON answer, `{status, type, base64}` for bytes. */
function encodeAnswer(answer: IdempotentAnswer): string {
  const { status, type, body } = answer;
  return JSON.stringify(
    body instanceof Uint8Array
      ? { status, type, base64: Buffer.from(body).toString("base64") }
      : { status, type, json: body },
  );
}

function decodeAnswer(text: string): IdempotentAnswer {
  const stored = JSON.parse(text) as { status: number; type: string; json?: JsonValue; base64?: string };
  return {
    status: stored.status,
    type: stored.type,
    body: stored.base64 !== undefined ? Buffer.from(stored.base64, "base64") : (stored.json ?? null),
  };
}
