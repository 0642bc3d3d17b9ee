import { BackpressureError } from "../core/errors.js";
import type { LogRecord } from "../core/log-record.js";
import type { SubmissionRef, SubmitFn } from "../core/source.js";

/** Raised when a source is stopped while a batch is still waiting for the pipeline to take it. */
export class SourceStoppedError extends Error {
  constructor() {
    super("source stopped before the pipeline accepted the batch");
    this.name = "SourceStoppedError";
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SourceStoppedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new SourceStoppedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Submits a batch until the pipeline takes it: a `BackpressureError` means "full, come back later", so the
 * same batch is retried after the pipeline's `retryAfterSecs` (capped, growing while it stays full).
 * Any other error is the caller's to handle. Only `signal` ends the waiting.
 */
export async function submitWithRetry(
  submit: SubmitFn,
  records: readonly LogRecord[],
  signal?: AbortSignal,
  submission?: SubmissionRef,
): Promise<void> {
  let waitMs = 50;
  for (;;) {
    if (signal?.aborted) throw new SourceStoppedError();
    try {
      await submit(records, submission);
      return;
    } catch (error) {
      if (!(error instanceof BackpressureError)) throw error;
      await sleep(Math.min(waitMs, error.retryAfterSecs * 1000), signal);
      waitMs = Math.min(waitMs * 2, 5_000);
    }
  }
}

/** What a source's `counters()` report of its submissions. */
export interface SubmissionCounts {
  /** Records the pipeline committed. */
  records: number;
  /** Submissions that failed for any reason but the source stopping. */
  failedSubmissions: number;
}

/** `submitWithRetry`, counted into the source's `counts` as its `counters()` report them. */
export async function submitCounted(
  submit: SubmitFn,
  records: readonly LogRecord[],
  signal: AbortSignal,
  submission: SubmissionRef,
  counts: SubmissionCounts,
): Promise<void> {
  try {
    await submitWithRetry(submit, records, signal, submission);
  } catch (error) {
    if (!(error instanceof SourceStoppedError)) counts.failedSubmissions++;
    throw error;
  }
  counts.records += records.length;
}
