import type { LogRecord } from "../core/log-record.js";
import type { IngestLog, IngestSource, IngestWarnings, ServiceGroup } from "./ingest-records.js";
import { decodeLogRecords } from "./packed-log-records.js";
import { GroupTally, type GroupTallyFigures } from "./scoring.js";

/**
 * A `POST /ingest` body decoded on a decode thread (src/api/ingest-decode): its records, and what the
 * response needs of them, worked out there as `IngestRecords` works them out on the event loop.
 */
export interface DecodedIngestBody {
  count: number;
  /**
   * The records, `encodeLogRecords` chunks of up to `DECODED_CHUNK_RECORDS` each.
   * Bytes, not values, so they wait outside the heap until the pipeline reads them: values parsed on
   * arrival would outlive the scavenges of their wait in the queue and be promoted (`IngestRecords`).
   */
  chunks: Uint8Array[];
  warnings: IngestWarnings;
  groups: { service: string; indexes: number[]; tally: GroupTallyFigures }[];
}

/** Records per chunk: a chunk is turned back into records at once, and these live until mined. */
export const DECODED_CHUNK_RECORDS = 500;

/** A decoded body as the records `ingestLogs` submits: each chunk is read back when the pipeline reaches it. */
export class DecodedIngestRecords implements IngestSource {
  readonly keepRecords = false;
  readonly keepLogs = false;
  readonly length: number;
  readonly warnings: IngestWarnings;
  readonly groups: ReadonlyMap<string, ServiceGroup>;
  readonly #chunks: (Uint8Array | undefined)[];
  /** The chunk being read, from its record `#chunkStart`; a record read is let go here. */
  #chunk: (LogRecord | undefined)[] = [];
  #chunkStart = 0;
  #nextChunk = 0;
  #next = 0;

  constructor(body: DecodedIngestBody) {
    this.length = body.count;
    this.warnings = body.warnings;
    this.groups = new Map(
      body.groups.map((g) => [g.service, { indexes: g.indexes, tally: GroupTally.fromFigures(g.tally) }]),
    );
    this.#chunks = body.chunks;
  }

  logsAt(): IngestLog[] {
    throw new Error("a body decoded on a decode thread keeps no logs");
  }

  /** Everything was counted on the decode thread. */
  finish(): void {}

  /** Kept chunks (bytes, outside the heap) let `rewind` read the records again; see `RecordSource`. */
  #replayable = false;

  keepForReplay(): void {
    this.#replayable = true;
  }

  rewind(): void {
    if (!this.#replayable) throw new Error("decoded ingest records were not kept for a replay");
    this.#chunk = [];
    this.#chunkStart = 0;
    this.#nextChunk = 0;
    this.#next = 0;
  }

  slice(start: number, end: number): LogRecord[] {
    if (start !== this.#next)
      throw new Error(`ingest records read out of order: ${start} after ${this.#next}`);
    const stop = Math.min(end, this.length);
    const out: LogRecord[] = [];
    for (let i = start; i < stop; i++) {
      let at = i - this.#chunkStart;
      if (at >= this.#chunk.length) {
        this.#chunkStart += this.#chunk.length;
        this.#chunk = this.#readChunk();
        at = i - this.#chunkStart;
      }
      out.push(this.#chunk[at]!);
      this.#chunk[at] = undefined;
    }
    this.#next = Math.max(start, stop);
    return out;
  }

  #readChunk(): (LogRecord | undefined)[] {
    const index = this.#nextChunk++;
    const bytes = this.#chunks[index];
    if (!bytes) throw new Error(`decoded ingest body has no chunk ${index}`);
    // Read once: the bytes go as their records are made (unless kept for a replay).
    if (!this.#replayable) this.#chunks[index] = undefined;
    return decodeLogRecords(bytes);
  }
}
