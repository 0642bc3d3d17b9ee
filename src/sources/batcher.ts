import type { LogRecord } from "../core/log-record.js";
import type { SourceLog, SubmitFn } from "../core/source.js";
import { SourceStoppedError, submitWithRetry } from "./submit-retry.js";

export interface BatcherOptions {
  /** Records per submission. */
  maxRecords: number;
  /** How long a record may wait for others before its batch is sent. */
  lingerMs: number;
  /** Above this many unsent records `overloaded` turns true (stream sources pause their sockets). */
  highWater: number;
}

/**
 * Collects records from a push source (syslog sockets) into batches and submits them one at a time, in
 * order, retrying on backpressure. Stream sources pause their input while `overloaded` and resume on
 * `drained()`, so a full pipeline slows the senders down instead of growing memory.
 */
export class RecordBatcher {
  #buffer: LogRecord[] = [];
  #timer: NodeJS.Timeout | null = null;
  #sending: Promise<void> | null = null;
  #waiters: (() => void)[] = [];
  readonly #abort = new AbortController();
  failed = 0;
  /** Records submitted and committed. */
  submitted = 0;

  constructor(
    readonly submit: SubmitFn,
    readonly log: SourceLog,
    readonly options: BatcherOptions,
  ) {}

  get pending(): number {
    return this.#buffer.length;
  }

  get overloaded(): boolean {
    return this.#buffer.length >= this.options.highWater;
  }

  add(record: LogRecord): void {
    this.#buffer.push(record);
    if (this.#buffer.length >= this.options.maxRecords) this.#kick();
    else this.#timer ??= setTimeout(() => this.#kick(), this.options.lingerMs);
  }

  /** Resolves once the buffer is below the high-water mark again. */
  drained(): Promise<void> {
    if (!this.overloaded) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #kick(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#sending ??= this.#send().finally(() => {
      this.#sending = null;
      if (this.#buffer.length > 0) this.#kick();
    });
  }

  async #send(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.slice(0, this.options.maxRecords);
      try {
        await submitWithRetry(this.submit, batch, this.#abort.signal);
      } catch (error) {
        if (error instanceof SourceStoppedError) return;
        // The store refused the batch (not backpressure): keep the records and try again shortly, so a
        // passing database error loses nothing; the sockets stay paused meanwhile.
        this.failed++;
        this.log.error({ err: error, records: batch.length }, "submitting syslog records failed; retrying");
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      this.#buffer.splice(0, batch.length);
      this.submitted += batch.length;
      if (!this.overloaded) for (const w of this.#waiters.splice(0)) w();
    }
  }

  /** Sends everything buffered; with `deadlineMs`, gives up waiting after it (records left are reported). */
  async flush(deadlineMs = 10_000): Promise<number> {
    this.#kick();
    const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), deadlineMs).unref());
    while (this.#sending) {
      if ((await Promise.race([this.#sending, timeout])) === "timeout") {
        this.#abort.abort();
        break;
      }
    }
    for (const w of this.#waiters.splice(0)) w();
    return this.#buffer.length;
  }
}
