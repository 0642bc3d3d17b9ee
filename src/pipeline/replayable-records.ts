import type { LogRecord } from "../core/log-record.js";
import type { RecordSource } from "./ingest-pipeline.js";

/**
 * A submission's records as read for a batch shared with other submissions, kept until the batch ends so
 * that, should the batch fail, this submission can be processed again on its own (`IngestPipeline`'s poison
 * isolation): a source is read once (`/ingest` decodes its logs as the pipeline asks and lets them go), so
 * what was read is replayed from here and what was not is read from the source as before.
 */
export class ReplayableRecords implements RecordSource {
  readonly #source: RecordSource;
  /** The records read so far, in order: records `0 … #read.length - 1`. */
  readonly #read: LogRecord[] = [];

  constructor(source: RecordSource) {
    this.#source = source;
  }

  get length(): number {
    return this.#source.length;
  }

  get keepRecords(): boolean | undefined {
    return this.#source.keepRecords;
  }

  slice(start: number, end: number): readonly LogRecord[] {
    const stop = Math.min(end, this.length);
    // The part not read yet comes from the source, which is read in order from where it stopped.
    if (stop > this.#read.length) {
      for (const record of this.#source.slice(this.#read.length, stop)) this.#read.push(record);
    }
    return this.#read.slice(start, stop);
  }
}
