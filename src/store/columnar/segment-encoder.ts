import {
  type CompressionOptions,
  packBlocks,
  packBlocksAsync,
  type SegmentBlocks,
} from "./segment-blocks.js";
import { SegmentBuilder, type SegmentRange } from "./segment-builder.js";
import type { SegmentRecord } from "./segment-record.js";
import { digitFilterBlock } from "./stored-digit-filter.js";

/**
 * Encodes records whose references are `firstRef`, `firstRef + 1`, … into one segment (see
 * `segment-blocks.ts` for the container and docs in `index.ts` for the layout), with its stored digit
 * filter (`digitFilterBlock`): what a sealed segment is.
 */
export function encodeSegment(
  firstRef: number,
  records: readonly SegmentRecord[],
  options: CompressionOptions = {},
): Uint8Array {
  const blocks = segmentBlocks(firstRef, records);
  return packBlocks(blocks, options, digitFilterBlock(blocks));
}

/**
 * `encodeSegment`, with the least and greatest record time and severity of `records` (what its metadata
 * holds), for a caller that stores them beside the bytes without another pass over the records.
 */
export function encodeSegmentWithRange(
  firstRef: number,
  records: readonly SegmentRecord[],
  options: CompressionOptions = {},
): { data: Uint8Array; range: SegmentRange } {
  return encodeFilledSegment(
    firstRef,
    records.length,
    (add) => {
      for (const r of records) add(r);
    },
    options,
  );
}

/**
 * `encodeSegmentWithRange` for `count` records that `fill` hands to `add` one at a time, in reference
 * order: a caller that converts its records on the fly builds no array of them. `add` keeps nothing of
 * the object it is given, so the caller may hand the same object over, refilled, for every record.
 */
export function encodeFilledSegment(
  firstRef: number,
  count: number,
  fill: (add: (r: SegmentRecord) => void) => void,
  options: CompressionOptions = {},
): { data: Uint8Array; range: SegmentRange } {
  const segment = new FilledSegment(firstRef, count);
  fill(segment.add);
  return segment.encode(options);
}

/**
 * `encodeFilledSegment` with the records handed over across calls: a caller that has them a slice at a
 * time (the pipeline, as it mines) adds each slice and encodes once all `count` are in. Same bytes.
 */
export class FilledSegment {
  readonly #builder: SegmentBuilder;

  constructor(
    firstRef: number,
    readonly count: number,
  ) {
    this.#builder = new SegmentBuilder(firstRef, count);
  }

  /** Adds the next record; keeps nothing of the object, which may be refilled and handed over again. */
  readonly add = (r: SegmentRecord): void => this.#builder.addRecord(r);

  encode(options: CompressionOptions = {}): { data: Uint8Array; range: SegmentRange } {
    const builder = this.#builder;
    if (builder.count !== this.count)
      throw new RangeError(`expected ${this.count} records, got ${builder.count}`);
    return { data: packBlocks(builder.blocks(), options), range: builder.range() };
  }
}

/** `encodeSegment` with the compression on libuv's thread pool (`packBlocksAsync`): the same bytes. */
export function encodeSegmentAsync(
  firstRef: number,
  records: readonly SegmentRecord[],
  options: CompressionOptions = {},
): Promise<Uint8Array> {
  const blocks = segmentBlocks(firstRef, records);
  return packBlocksAsync(blocks, options, () => digitFilterBlock(blocks));
}

/** The raw (uncompressed) blocks of a segment of `records`. */
function segmentBlocks(firstRef: number, records: readonly SegmentRecord[]): SegmentBlocks {
  return recordsBuilder(firstRef, records).blocks();
}

function recordsBuilder(firstRef: number, records: readonly SegmentRecord[]): SegmentBuilder {
  const builder = new SegmentBuilder(firstRef, records.length);
  for (const r of records) builder.addRecord(r);
  return builder;
}
