import type { Worker } from "node:worker_threads";
import { siblingModule, startModuleThread } from "../../threads/module-thread.js";
import type { CompressionOptions } from "../columnar/index.js";
import type { SegmentRange } from "../columnar/segment-builder.js";
import type { SegmentRecord } from "../columnar/segment-record.js";
import { SegmentRecordPacker } from "../columnar/segment-record-pack.js";
import type { BuildReply, BuildRequest } from "./build-worker.js";

/** What a batch row is filled by: `FilledSegment` on this thread, or `ThreadSegment` on the build thread. */
export interface SegmentFill {
  readonly add: (r: SegmentRecord) => void;
  encode(options: CompressionOptions):
    | { data: Uint8Array; range: SegmentRange }
    | Promise<{
        data: Uint8Array;
        range: SegmentRange;
      }>;
}

/**
 * Records packed per message: a message per pipeline slice (50 records) cost its fixed part 100 times a
 * 5,000-line batch; a few hundred records make it small beside the records' own values.
 */
const RECORDS_PER_MESSAGE = 500;

/**
 * A thread that builds the segment store's batch rows (`build-worker.ts`): the event loop packs each
 * record's fields into a list of values (`segment-record-pack.ts`), and the thread fills the columns,
 * encodes and compresses them, and hands back the bytes, which the batch's transaction then writes. The
 * columns were about a quarter of the event loop's CPU a line on the segment path; packing is a small
 * part of that. The thread keeps no state between batches beyond the open jobs.
 *
 * When the thread fails, `open` returns null from then on (the store builds on its own thread again), and
 * the jobs waiting for it fail, so their batches roll back and are not acknowledged.
 *
 * The thread starts with the first batch, not with the store: a process that only reads (the CLI's
 * reading commands, MCP, a test's runtime) never pays its start, about 0.2 s of CPU loading its modules.
 */
export class SegmentBuildThread {
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, { resolve: (r: BuildReply) => void; reject: (e: Error) => void }>();
  readonly #pendingReplies = new Set<Promise<BuildReply>>();
  #nextJob = 1;
  #failed = false;
  #stopped = false;

  constructor(private readonly onError: (error: Error) => void) {}

  /** A segment of `count` records from `firstRef` filled on the thread; null when the thread cannot take it. */
  open(firstRef: number, count: number): ThreadSegment | null {
    if (this.#failed || this.#stopped) return null;
    this.#worker ??= this.#start();
    const job = this.#nextJob++;
    this.#post({ type: "open", job, firstRef, count });
    return new ThreadSegment(
      job,
      count,
      (m) => this.#post(m),
      (id) => this.#reply(id),
    );
  }

  /** Waits for the jobs asked to encode, then ends the thread. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled(this.#pendingReplies);
    if (!this.#worker) return;
    this.#worker.postMessage("stop");
    await this.#worker.terminate();
  }

  #start(): Worker {
    const worker = startModuleThread(siblingModule(import.meta.url, "build-worker"), "runBuildWorker", null);
    worker.on("message", (reply: BuildReply) => {
      const waiting = this.#waiting.get(reply.job);
      this.#waiting.delete(reply.job);
      waiting?.resolve(reply);
    });
    worker.on("error", (error) => this.#fail(error));
    worker.on("exit", () => this.#fail(new Error("the segment build thread exited")));
    return worker;
  }

  #post(m: BuildRequest): void {
    this.#worker?.postMessage(m);
  }

  #reply(job: number): Promise<BuildReply> {
    if (this.#failed) return Promise.reject(new Error("the segment build thread failed"));
    const reply = new Promise<BuildReply>((resolve, reject) => this.#waiting.set(job, { resolve, reject }));
    this.#pendingReplies.add(reply);
    const settled = () => this.#pendingReplies.delete(reply);
    reply.then(settled, settled);
    return reply;
  }

  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    for (const w of this.#waiting.values()) w.reject(error);
    this.#waiting.clear();
    if (!this.#stopped) this.onError(error);
  }
}

/** A batch row being filled on the build thread: `add` packs, `encode` waits for the thread's bytes. */
export class ThreadSegment implements SegmentFill {
  readonly #packer = new SegmentRecordPacker();
  #added = 0;

  constructor(
    readonly job: number,
    readonly count: number,
    private readonly post: (m: BuildRequest) => void,
    private readonly reply: (job: number) => Promise<BuildReply>,
  ) {}

  readonly add = (r: SegmentRecord): void => {
    this.#packer.add(r);
    this.#added++;
    if (this.#packer.count >= RECORDS_PER_MESSAGE) this.#flush();
  };

  async encode(compression: CompressionOptions): Promise<{ data: Uint8Array; range: SegmentRange }> {
    if (this.#added !== this.count)
      throw new RangeError(`expected ${this.count} records, got ${this.#added}`);
    this.#flush();
    const reply = this.reply(this.job);
    this.post({ type: "encode", job: this.job, compression });
    const r = await reply;
    if ("error" in r) throw new Error(`segment build thread: ${r.error}`);
    return { data: r.data, range: r.range };
  }

  #flush(): void {
    if (this.#packer.count > 0) this.post({ type: "add", job: this.job, records: this.#packer.take() });
  }
}
