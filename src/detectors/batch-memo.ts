import type { LogRecord } from "../core/log-record.js";
import { recordTimeMs } from "./record-time.js";

/**
 * What several detectors derive from the same record (its time, its authentication fact), derived once
 * per batch: `Processor.detect` hands the same batch array to every detector in turn, so the first one to
 * ask fills an array aligned with the batch and the others read it. Only the last batch is kept (a
 * batch is detected once), and it is checked record by record, with the field the value is derived
 * from, so an array reused for other records, or a record given another value of that field, is derived
 * again: the memo can change what is computed, never what it comes to.
 */
export class BatchMemo<R, F, T> {
  #batch: readonly R[] | null = null;
  #records: R[] = [];
  #inputs: F[] = [];
  #values: T[] = [];

  constructor(
    /** The field the value is derived from (compared by identity: strings and objects as they are). */
    readonly input: (record: R) => F,
    readonly derive: (record: R) => T,
  ) {}

  /** The values of the batch's records, in its order. */
  of(batch: readonly R[]): readonly T[] {
    if (batch === this.#batch && this.#holds(batch)) return this.#values;
    const n = batch.length;
    const records: R[] = new Array(n);
    const inputs: F[] = new Array(n);
    const values: T[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const record = batch[i]!;
      records[i] = record;
      inputs[i] = this.input(record);
      values[i] = this.derive(record);
    }
    this.#batch = batch;
    this.#records = records;
    this.#inputs = inputs;
    this.#values = values;
    return values;
  }

  #holds(batch: readonly R[]): boolean {
    const n = batch.length;
    if (n !== this.#records.length) return false;
    for (let i = 0; i < n; i++) {
      const record = batch[i]!;
      if (record !== this.#records[i] || this.input(record) !== this.#inputs[i]) return false;
    }
    return true;
  }
}

/**
 * `Date.parse(record.timestamp)` of each record of a batch (NaN where it is no time), through
 * `recordTimeMs`. Parsing an ISO time costs about 0.2 µs, and the template, rarity, volume and error
 * burst detectors each needed every record's.
 */
export const recordTimes = new BatchMemo<Pick<LogRecord, "timestamp">, string, number>(
  (record) => record.timestamp,
  (record) => recordTimeMs(record.timestamp),
);
