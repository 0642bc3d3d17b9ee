import type { Worker } from "node:worker_threads";
import { siblingModule, startModuleThread } from "../../threads/module-thread.js";
import type { ReadOp, ReadRequest, ReadWorkerData, ReadWorkerMessage, ThreadError } from "./read-worker.js";
import type { SegmentLogStore } from "./segment-log-store.js";

/** No read thread can take the query (none could start, or the one holding it ended): read here instead. */
export class ReadThreadUnavailable extends Error {
  constructor(reason: string) {
    super(`no segment read thread: ${reason}`);
    this.name = "ReadThreadUnavailable";
  }
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** One read thread, and the queries it has not answered yet. */
class ReadThread {
  readonly pending = new Map<number, Pending>();
  ready = false;
  readonly #worker: Worker;
  #stopped: Promise<void>;

  constructor(data: ReadWorkerData, onEnd: (self: ReadThread, error: Error | undefined) => void) {
    this.#worker = startModuleThread(
      siblingModule(import.meta.url, "read-worker"),
      "runSegmentReadWorker",
      data,
    );
    // Threads nobody closed must not keep the process alive.
    this.#worker.unref();
    let stopped: () => void = () => {};
    this.#stopped = new Promise((resolve) => {
      stopped = resolve;
    });
    let failure: Error | undefined;
    this.#worker.on("message", (m: ReadWorkerMessage) => {
      if (m.type === "ready") this.ready = true;
      else if (m.type === "stopped") stopped();
      else this.#answer(m.id, m.result, m.error);
    });
    this.#worker.on("error", (error) => {
      failure = error;
    });
    this.#worker.on("exit", (code) => {
      stopped();
      const gone = new ReadThreadUnavailable(failure?.message ?? `the thread exited (code ${code})`);
      for (const waiting of this.pending.values()) waiting.reject(gone);
      this.pending.clear();
      onEnd(this, failure);
    });
  }

  query(id: number, op: ReadOp, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: ReadRequest = { id, op, args };
      this.#worker.postMessage(request);
    });
  }

  /** Closes the thread's connection (after the queries under way), then ends the thread. */
  async stop(): Promise<void> {
    this.#worker.postMessage("stop");
    await this.#stopped;
    await this.#worker.terminate();
  }

  #answer(id: number, result: unknown, error: ThreadError | undefined): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    if (error) waiting.reject(Object.assign(new Error(error.message), error));
    else waiting.resolve(result);
  }
}

/** Threads that fail before they are ready, in a row, after which reads stay on the calling thread. */
const START_ATTEMPTS = 2;

/**
 * Threads that run the segment store's scans (search, counts, histograms, context), each with its own
 * connection and caches. Decoding and matching segments is CPU work that grows with the store: on the
 * event loop a search over millions of lines held ingest, the API and the probes for as long as it ran.
 * A query goes to an idle thread, else to a new one while fewer than `size` run, else to the one with the
 * fewest waiting; threads start on first use, and one that ends is replaced on the next query. If threads cannot start at all, `onUnavailable` is told once and every
 * query is refused with `ReadThreadUnavailable`, which `readingOnThreads` answers by reading here.
 */
export class SegmentReadThreads {
  readonly #slots: (ReadThread | undefined)[];
  #nextId = 0;
  #failedStarts = 0;
  #closed = false;

  constructor(
    readonly data: ReadWorkerData,
    size: number,
    readonly onUnavailable: (error: Error) => void = () => {},
  ) {
    this.#slots = new Array<ReadThread | undefined>(Math.max(1, size)).fill(undefined);
  }

  query(op: ReadOp, args: unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ReadThreadUnavailable("the read threads are closed"));
    if (this.#failedStarts >= START_ATTEMPTS)
      return Promise.reject(new ReadThreadUnavailable("the threads could not start"));
    return this.#leastBusy().query(this.#nextId++, op, args);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const running = this.#slots.filter((t): t is ReadThread => t !== undefined);
    this.#slots.fill(undefined);
    await Promise.all(running.map((t) => t.stop()));
  }

  /**
   * An idle thread if one runs; else a new one while a slot is free; else the one with the fewest waiting.
   * A thread costs about 0.6 s of CPU to start (its modules and connection): one whose queries come one
   * at a time never needs a second.
   */
  #leastBusy(): ReadThread {
    let best = -1;
    let free = -1;
    for (let i = 0; i < this.#slots.length; i++) {
      const thread = this.#slots[i];
      if (!thread) {
        if (free < 0) free = i;
        continue;
      }
      if (thread.pending.size === 0) return thread;
      if (best < 0 || thread.pending.size < this.#slots[best]!.pending.size) best = i;
    }
    return free >= 0 ? this.#start(free) : this.#slots[best]!;
  }

  #start(slot: number): ReadThread {
    const thread = new ReadThread(this.data, (self, error) => {
      if (this.#slots[slot] === self) this.#slots[slot] = undefined;
      if (self.ready || this.#closed) return;
      this.#failedStarts++;
      if (this.#failedStarts === START_ATTEMPTS)
        this.onUnavailable(error ?? new Error("the segment read thread ended before it was ready"));
    });
    this.#slots[slot] = thread;
    return thread;
  }
}

/**
 * `logs` with its scans answered by `threads` (results structured-cloned back); appends, look-ups by
 * reference, the watermark, sealing and retention stay on this thread. A query no thread can take is
 * read here, so a broken thread costs responsiveness, never an answer.
 */
export function readingOnThreads(logs: SegmentLogStore, threads: SegmentReadThreads): SegmentLogStore {
  const onThread = async <T>(op: ReadOp, args: unknown[], here: () => Promise<T>): Promise<T> => {
    try {
      return (await threads.query(op, args)) as T;
    } catch (error) {
      if (error instanceof ReadThreadUnavailable) return here();
      throw error;
    }
  };
  return {
    ...logs,
    search: (query, page) => onThread("search", [query, page], () => logs.search(query, page)),
    templateCounts: (range) => onThread("templateCounts", [range], () => logs.templateCounts(range)),
    extent: (query) => onThread("extent", [query], () => logs.extent(query)),
    histogram: (query, intervalMs) =>
      onThread("histogram", [query, intervalMs], () => logs.histogram(query, intervalMs)),
    countBy: (query, field, limit) =>
      onThread("countBy", [query, field, limit], () => logs.countBy(query, field, limit)),
    context: (ref, around) => onThread("context", [ref, around], () => logs.context(ref, around)),
  };
}
