import type { FastifyReply, FastifyRequest } from "fastify";
import { BackpressureError } from "../core/errors.js";
import type { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import type { Runtime } from "../service/runtime.js";

/** A body without Content-Length (chunked) is counted as this many bytes until it is answered. */
const UNKNOWN_LENGTH_BYTES = 64 * 1024;

/** The bytes a request's headers say its body has: Content-Length, or `UNKNOWN_LENGTH_BYTES` without one. */
export function declaredBodyBytes(request: FastifyRequest): number {
  const length = Number(request.headers["content-length"]);
  return Number.isFinite(length) && length >= 0 ? length : UNKNOWN_LENGTH_BYTES;
}
/** The throughput estimate forgets half of what it saw after this much busy time. */
const RATE_HALF_LIFE_MS = 3_000;

/**
 * Answers the rate is judged on before it is trusted. The first answers after a start are mostly the
 * latency of code not yet compiled, not the server's throughput: measured on the first one alone, bodies
 * sent beside it were refused (bench:ingest, 5,000-line bodies on 4 connections: 36-54 503s in the first
 * seconds of a run on the table store, the first answer at 1.2 MB/s where the server answers 3.3 MB/s).
 * By the fourth the estimate is near what it settles at.
 */
const ANSWERS_TO_JUDGE = 4;

/** A request still in flight this many times INGEST_QUEUE_MAX_WAIT_SECS after it was let in stops counting. */
const STALE_AFTER_MAX_WAITS = 4;

interface Admitted {
  bytes: number;
  at: number;
}

/**
 * The ingest requests let in and not answered yet, and how fast such requests are answered. The pipeline
 * queue alone does not see an overload: at three times the sustained rate the queue stayed short while
 * hundreds of admitted bodies waited to be read and parsed (that parsing is a quarter of ingest's CPU), and
 * answers took 20-30 s. So a request is let in only while the bytes already let in can be answered within
 * INGEST_QUEUE_MAX_WAIT_SECS at the measured rate. A request in flight for `staleMs` (a body that stopped
 * coming, a client uploading slowly) no longer counts, in the bytes or in the busy time, so one stuck
 * upload cannot hold every other sender back for the minutes until Node's request timeout.
 */
class AdmittedRequests {
  readonly #inFlight = new Set<Admitted>();
  /** Bytes answered with 2xx, and busy milliseconds (time with a fresh request in flight), both decaying. */
  #doneBytes = 0;
  #busyMs = 0;
  #lastMark = 0;
  /** Requests answered with 2xx since start (not decaying): the rate counts from `ANSWERS_TO_JUDGE`. */
  #answered = 0;

  constructor(readonly staleMs: number) {}

  /** Bytes per busy second answered; 0 until measured on `ANSWERS_TO_JUDGE` answers. */
  get rate(): number {
    return this.#busyMs > 0 && this.#answered >= ANSWERS_TO_JUDGE
      ? (this.#doneBytes * 1000) / this.#busyMs
      : 0;
  }

  /** Seconds until the fresh requests in flight now and `extraBytes` are answered; 0 when unknown. */
  expectedWaitSecs(extraBytes: number): number {
    const rate = this.rate;
    if (rate === 0) return 0;
    const now = performance.now();
    let bytes = 0;
    let fresh = 0;
    for (const r of this.#inFlight)
      if (now - r.at < this.staleMs) {
        bytes += r.bytes;
        fresh++;
      }
    return fresh > 0 ? (bytes + extraBytes) / rate : 0;
  }

  /** Bytes of the fresh requests in flight now. */
  freshBytes(): number {
    const now = performance.now();
    let bytes = 0;
    for (const r of this.#inFlight) if (now - r.at < this.staleMs) bytes += r.bytes;
    return bytes;
  }

  admit(bytes: number): Admitted {
    const now = this.#mark();
    const admitted = { bytes, at: now };
    this.#inFlight.add(admitted);
    return admitted;
  }

  done(admitted: Admitted, answered: boolean): void {
    this.#mark();
    this.#inFlight.delete(admitted);
    if (answered) {
      this.#doneBytes += admitted.bytes;
      this.#answered++;
    }
  }

  #mark(): number {
    const now = performance.now();
    let busy = false;
    for (const r of this.#inFlight) if (now - r.at < this.staleMs) busy = true;
    if (busy) this.#busyMs += now - this.#lastMark;
    this.#lastMark = now;
    if (this.#busyMs > 2 * RATE_HALF_LIFE_MS) {
      this.#busyMs /= 2;
      this.#doneBytes /= 2;
    }
    return now;
  }
}

const admittedByPipeline = new WeakMap<IngestPipeline, AdmittedRequests>();

function admittedOf(rt: Runtime): AdmittedRequests {
  let admitted = admittedByPipeline.get(rt.pipeline);
  if (!admitted) {
    admitted = new AdmittedRequests(STALE_AFTER_MAX_WAITS * rt.config.ingest.queueMaxWaitSecs * 1000);
    admittedByPipeline.set(rt.pipeline, admitted);
  }
  return admitted;
}

/** Bytes of the ingest requests let in and not answered yet (not counting stale ones): for tests. */
export function admittedBytes(rt: Runtime): number {
  return admittedOf(rt).freshBytes();
}

/**
 * Decides, from the headers alone, whether an ingest request is let in: the refusal (counted with the
 * pipeline's own, the `rejectedSubmissions` metric), or null after registering the request until it is
 * answered. Refused: while the pipeline could take nothing, or while the requests already let in would
 * take longer than INGEST_QUEUE_MAX_WAIT_SECS to answer.
 */
export function earlyRefusal(
  rt: Runtime,
  request: FastifyRequest,
  reply: FastifyReply,
): BackpressureError | null {
  const pipeline = rt.ingest;
  const admitted = admittedOf(rt);
  const bytes = declaredBodyBytes(request);
  let refusal = pipeline.refusal();
  const maxWait = rt.config.ingest.queueMaxWaitSecs;
  const wait = admitted.expectedWaitSecs(bytes);
  if (!refusal && maxWait > 0 && wait > maxWait)
    refusal = new BackpressureError(Math.min(60, Math.max(1, Math.ceil(wait - maxWait))));
  if (refusal) {
    if (pipeline.accepting) pipeline.stats.rejectedSubmissions++;
    return refusal;
  }
  const entry = admitted.admit(bytes);
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    const status = reply.raw.statusCode;
    admitted.done(entry, status >= 200 && status < 300);
  };
  // "close" also comes when the client goes away before the answer; "finish" when it was sent.
  reply.raw.once("finish", settle);
  reply.raw.once("close", settle);
  return null;
}

/**
 * An `onRequest` hook for routes that feed the pipeline: refuses with 503 and `Retry-After` before the
 * body is read (see `earlyRefusal`), so an overloaded server does not read and parse bodies only to
 * refuse them. It runs after the route's auth guard (route-auth.ts puts that first), so a stranger still
 * gets 401. `feedsPipeline` says whether this request would enqueue at all (`/analyze` only with `?persist`).
 */
export function refuseWhilePipelineFull(
  rt: Runtime,
  feedsPipeline: (request: FastifyRequest) => boolean = () => true,
) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!feedsPipeline(request)) return;
    const refusal = earlyRefusal(rt, request, reply);
    if (refusal) throw refusal;
  };
}
