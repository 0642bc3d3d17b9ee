import type { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { DEFAULT_LINE_LIMIT, type LineLimit } from "../../core/line-limit.js";
import type { IngestPipeline } from "../../pipeline/ingest-pipeline.js";
import type { DecodedIngestBody } from "../../service/decoded-ingest-records.js";
import type { Runtime } from "../../service/runtime.js";
import { siblingModule, startModuleThread } from "../../threads/module-thread.js";
import { ownsItsBuffer } from "../../threads/owned-bytes.js";
import type { DecodeReply, DecodeRequest } from "./decode-worker.js";

/**
 * Bodies smaller than this are decoded on the event loop: a trip to a thread and back costs a fixed
 * fraction of a millisecond, which a few hundred lines' decoding does not repay.
 */
export const DECODE_THREAD_MIN_BYTES = 64 * 1024;

const threadsByPipeline = new WeakMap<IngestPipeline, IngestDecodeThreads>();

/**
 * The decode threads of a runtime's HTTP routes, made on first use; stopped when an app that uses them
 * closes (bodies then decode on the event loop).
 */
export function ingestDecodeThreadsOf(rt: Runtime): IngestDecodeThreads {
  let threads = threadsByPipeline.get(rt.pipeline);
  if (!threads) {
    // An external scorer is sent each group's logs as they came, which only the event loop keeps.
    threads = new IngestDecodeThreads(rt.config.mlUrl ? 0 : rt.config.ingest.decodeThreads, rt.log);
    threadsByPipeline.set(rt.pipeline, threads);
  }
  return threads;
}

interface Slot {
  worker: Worker;
  waiting: Map<number, (decoded: DecodedIngestBody | null) => void>;
}

/**
 * Threads that decode large NDJSON `POST /ingest` bodies (`decode-worker.ts`): JSON, the checks, the
 * header split, times and levels, the service groups' figures, about a third of the event loop's work a
 * line on that route, which then only unpacks the records (docs/architecture.md, "Decoding ingest bodies
 * off the event loop"). Threads start when the server listens (`warm`), or else when the first body needs
 * one, and keep no state between bodies.
 *
 * `decode` never fails: null says "decode it on the event loop", which the route then does as it always
 * did. That is the answer for a body that is not plain logs, and for every body once a thread failed
 * (that is logged once; the event loop decodes from then on).
 */
export class IngestDecodeThreads {
  readonly #slots: Slot[] = [];
  #nextJob = 1;
  /** Bodies a thread decoded (for tests and metrics). */
  decoded = 0;
  #failed = false;
  #stopped = false;

  constructor(
    /** Threads to use at most; 0 decodes every body on the event loop. */
    readonly threads: number,
    readonly log: Pick<Logger, "error">,
    /** The thread's module and its entry (tests start one that fails). */
    readonly thread = { module: siblingModule(import.meta.url, "decode-worker"), main: "runDecodeWorker" },
  ) {}

  /** Threads started so far. */
  get started(): number {
    return this.#slots.length;
  }

  /** Whether bodies go to a thread (none configured, a thread failed, or stopped: they don't). */
  get active(): boolean {
    return this.threads > 0 && !this.#failed && !this.#stopped;
  }

  /**
   * Starts the threads now rather than at the first large body, which would wait for a thread to load
   * its modules (a few hundred milliseconds). That first answer is also what ingest admission first
   * measures the server's rate by: measured that slow, it refused bodies sent at once behind it
   * (`ingest-admission.ts`, 503s in bench:ingest's first seconds).
   */
  warm(): void {
    while (this.active && this.#slots.length < this.threads) this.#startOrFail();
  }

  /** Whether a body of `bytes` goes to a thread (the parse turn counts it so, and the parser sends it). */
  takes(bytes: number): boolean {
    return this.active && bytes >= DECODE_THREAD_MIN_BYTES;
  }

  /** `body` decoded on a thread, or null to decode it on the event loop. */
  decode(
    body: Uint8Array,
    observedAt: string,
    limit: LineLimit = DEFAULT_LINE_LIMIT,
  ): Promise<DecodedIngestBody | null> {
    const slot = this.active ? this.#slot() : undefined;
    if (!slot) return Promise.resolve(null);
    const job = this.#nextJob++;
    return new Promise((resolve) => {
      slot.waiting.set(job, resolve);
      const request: DecodeRequest = { job, body, observedAt, limit };
      // Cloned, so the body stays here for the event loop should the thread fail. A view of a larger
      // buffer would be cloned with all of it: it goes as a copy of its own, moved.
      if (ownsItsBuffer(body)) slot.worker.postMessage(request);
      else {
        request.body = body.slice();
        slot.worker.postMessage(request, [request.body.buffer as ArrayBuffer]);
      }
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(
      this.#slots.map(async (slot) => {
        this.#settle(slot);
        await slot.worker.terminate();
      }),
    );
  }

  /** The thread with the fewest bodies waiting, started when there are fewer than `threads`. */
  #slot(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.#slots) if (!best || slot.waiting.size < best.waiting.size) best = slot;
    if (best && (best.waiting.size === 0 || this.#slots.length >= this.threads)) return best;
    return this.#startOrFail();
  }

  /** A new thread, or undefined (and no more threads) when one cannot even be started. */
  #startOrFail(): Slot | undefined {
    try {
      return this.#start();
    } catch (error) {
      this.#fail(error as Error);
      return undefined;
    }
  }

  /** From the first failure on, every body is decoded on the event loop. */
  #fail(error: Error): void {
    if (this.#stopped) return;
    if (!this.#failed)
      this.log.error({ err: error }, "ingest decode thread failed; decoding on the event loop");
    this.#failed = true;
  }

  #start(): Slot {
    const worker = startModuleThread(this.thread.module, this.thread.main, null);
    // Idle threads do not keep the process alive; a request waiting for one is kept by its socket.
    worker.unref();
    const slot: Slot = { worker, waiting: new Map() };
    worker.on("message", (reply: DecodeReply) => {
      const resolve = slot.waiting.get(reply.job);
      slot.waiting.delete(reply.job);
      if (reply.error !== undefined)
        this.log.error(
          { err: reply.error },
          "ingest decode thread failed on a body; decoded on the event loop",
        );
      if (reply.decoded) this.decoded++;
      resolve?.(reply.decoded);
    });
    const fail = (error: Error) => {
      this.#fail(error);
      this.#settle(slot);
    };
    worker.on("error", fail);
    worker.on("exit", () => fail(new Error("the ingest decode thread exited")));
    this.#slots.push(slot);
    return slot;
  }

  /** Bodies waiting for `slot` go back to the event loop. */
  #settle(slot: Slot): void {
    for (const resolve of slot.waiting.values()) resolve(null);
    slot.waiting.clear();
  }
}
