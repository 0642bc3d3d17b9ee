import {
  type CompressionOptions,
  packBlocks,
  packBlocksAsync,
  type SegmentBlocks,
} from "./segment-blocks.js";
import { SegmentBuilder } from "./segment-builder.js";
import type { SegmentRecord } from "./segment-record.js";

/**
 * Encodes records whose references are `firstRef`, `firstRef + 1`, … into one segment (see
 * `segment-blocks.ts` for the container and docs in `index.ts` for the layout).
 */
export function encodeSegment(
  firstRef: number,
  records: readonly SegmentRecord[],
  options: CompressionOptions = {},
): Uint8Array {
  return packBlocks(segmentBlocks(firstRef, records), options);
}

/** `encodeSegment` with the compression on libuv's thread pool (`packBlocksAsync`): the same bytes. */
export function encodeSegmentAsync(
  firstRef: number,
  records: readonly SegmentRecord[],
  options: CompressionOptions = {},
): Promise<Uint8Array> {
  return packBlocksAsync(segmentBlocks(firstRef, records), options);
}

/** The raw (uncompressed) blocks of a segment of `records`. */
function segmentBlocks(firstRef: number, records: readonly SegmentRecord[]): SegmentBlocks {
  const builder = new SegmentBuilder(firstRef, records.length);
  for (const r of records) builder.addRecord(r);
  return builder.blocks();
}
