import type { FastifyReply, FastifyRequest } from "fastify";
import type { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import type { Runtime } from "../service/runtime.js";
import { declaredBodyBytes } from "./ingest-admission.js";

/**
 * Bytes of bodies that may be read and parsed ahead of the pipeline: about a batch of typical lines, so
 * small requests still arrive together and are combined into one batch, while a second 5,000-line body
 * waits for the first.
 */
export const PARSE_AHEAD_BYTES = 2 * 1024 * 1024;

/**
 * A body decoded on a decode thread (`ingest-decode/`) is counted at this share of its bytes. What the
 * bound keeps small is parsed objects waiting on the event loop's heap; such a body waits as bytes outside
 * it, raw and then decoded. Counted whole, one 1.2 MB body at a time fitted, so the event loop waited
 * for each body's decoding (a third of its time) rather than mining the one before meanwhile.
 */
export const OFF_LOOP_SHARE = 0.25;

/**
 * A turn lapses this long after it was granted, even if its request is not answered yet: a client
 * sending its body slowly (or never finishing it) then holds the others back this long, not until
 * Node's request timeout. An answer at full load comes well within it (a 5,000-line body is about 70 ms
 * of the pipeline's time).
 */
export const TURN_LAPSES_MS = 1_000;

/** One request's place: `granted` resolves when its body may be read; `release` gives the place up. */
export interface ParseTurn {
  readonly granted: Promise<void>;
  release(): void;
}

interface Place {
  bytes: number;
  state: "waiting" | "holding" | "done";
  grant: () => void;
  lapse: ReturnType<typeof setTimeout> | null;
}

/**
 * Turns at reading and parsing ingest bodies, first come first served. A request let in by the
 * admission check (`ingest-admission.ts`, which counts every admitted body, waiting or not) reads its
 * body only when it fits within `aheadBytes` beside the bodies read and not yet answered, or when there
 * are none (a body larger than that still gets its turn, alone). A turn ends with the answer, or
 * `lapseMs` after it began.
 *
 * Why: under steady ingest from several connections, each body parsed on arrival waited in the queue
 * behind the batches before it as thousands of parsed objects. They outlived the young-generation
 * scavenges of that wait and were copied, then promoted to the old generation; the parsed request
 * objects were half of what the event loop promoted (sampled in process: 628 B a line, 338–556 with
 * turns, depending on the machine's speed at the time).
 * A body waiting for its turn stays unread in the socket instead, and is parsed just before the
 * pipeline takes it. Taking the turn once the body was read, as bytes, promoted as much as before.
 */
export class ParseTurns {
  #aheadBytes = 0;
  #holding = 0;
  readonly #waiting: Place[] = [];

  constructor(
    readonly aheadBytes: number,
    readonly lapseMs = TURN_LAPSES_MS,
  ) {}

  /** Bodies holding a turn, and requests waiting for one: for tests and metrics. */
  get holding(): number {
    return this.#holding;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  take(bytes: number): ParseTurn {
    let grant = () => {};
    const granted = new Promise<void>((resolve) => {
      grant = resolve;
    });
    const place: Place = { bytes, state: "waiting", grant, lapse: null };
    if (this.#waiting.length === 0 && this.#fits(bytes)) this.#hold(place);
    else this.#waiting.push(place);
    return { granted, release: () => this.#release(place) };
  }

  #fits(bytes: number): boolean {
    return this.#holding === 0 || this.#aheadBytes + bytes <= this.aheadBytes;
  }

  #hold(place: Place): void {
    place.state = "holding";
    this.#holding++;
    this.#aheadBytes += place.bytes;
    place.lapse = setTimeout(() => this.#release(place), this.lapseMs);
    place.lapse.unref();
    place.grant();
  }

  #release(place: Place): void {
    if (place.state === "done") return;
    if (place.state === "waiting") {
      // Gone before its turn (the client left, a timeout): its place goes, and whoever awaits it goes on
      // to find the request closed.
      this.#waiting.splice(this.#waiting.indexOf(place), 1);
      place.state = "done";
      place.grant();
    } else {
      place.state = "done";
      if (place.lapse !== null) clearTimeout(place.lapse);
      this.#holding--;
      this.#aheadBytes -= place.bytes;
    }
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes))
      this.#hold(this.#waiting.shift()!);
  }
}

const turnsByPipeline = new WeakMap<IngestPipeline, ParseTurns>();

/** The parse turns of a runtime's pipeline. */
export function parseTurnsOf(rt: Runtime): ParseTurns {
  let turns = turnsByPipeline.get(rt.pipeline);
  if (!turns) {
    turns = new ParseTurns(PARSE_AHEAD_BYTES);
    turnsByPipeline.set(rt.pipeline, turns);
  }
  return turns;
}

/**
 * A `preParsing` hook for a route that reads and parses its whole body before it submits it to the
 * pipeline: waits for the request's turn (see `ParseTurns`), held until the response ends, the
 * connection closes or the turn lapses. Routes that stream a body into the pipeline as it arrives
 * (uploads, `/analyze`) take no turn: they hold no parsed body. `offLoop` says which bodies a decode
 * thread will decode, counted at `OFF_LOOP_SHARE` of their bytes.
 */
export function waitForParseTurn(rt: Runtime, offLoop?: (bytes: number) => boolean) {
  return async <P>(request: FastifyRequest, reply: FastifyReply, payload: P): Promise<P> => {
    // Counted as the admission check counts it (a body without Content-Length as 64 KiB).
    const bytes = declaredBodyBytes(request);
    const turn = parseTurnsOf(rt).take(offLoop?.(bytes) ? Math.ceil(bytes * OFF_LOOP_SHARE) : bytes);
    // Registered before waiting: a request that closes while it waits gives its place up.
    reply.raw.once("close", turn.release);
    await turn.granted;
    return payload;
  };
}
