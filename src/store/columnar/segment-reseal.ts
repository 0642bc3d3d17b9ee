import {
  BLOCK_NAMES,
  type CompressionOptions,
  packBlocks,
  packBlocksAsync,
  readBlock,
  type SegmentBlocks,
} from "./segment-blocks.js";
import { SegmentBuilder } from "./segment-builder.js";
import { type DecodedRows, decodeRows } from "./segment-columns.js";
import { readSegmentMeta } from "./segment-decoder.js";
import { digitFilterBlock } from "./stored-digit-filter.js";

/**
 * Re-encodes stored pieces (batches, in reference order) into segments of at most `segmentLines` records
 * of consecutive references, compressed as `options` says: what sealing does. The rows go from the
 * decoded columns to the new segments as they are stored (`SegmentBuilder.addDecoded`), so no record,
 * time text or message is built, and the bytes are those `encodeSegment` gives for the decoded records.
 * A run of consecutive references is cut evenly (20,000 lines at 16,384: two of 10,000, not 16,384 and
 * 3,616), as `cutIntoSegments` cuts records.
 *
 * A piece of at least `wholePieceLines(segmentLines)` records (4,096 at the default 16,384, a quarter of
 * larger sizes) that fits in a segment becomes a segment on its own instead (`resealWhole`): nothing of it
 * is decoded or built again, which is most of what sealing costs, at the price of a smaller segment (a
 * 5,000-line request body is a 5,000-line segment: 3-6 % more bytes than three of them in one). The
 * pieces before and after it are cut as above, each side on its own.
 *
 * `inline` compresses on the calling thread instead of libuv's pool: for the sealing thread, which runs
 * below the event loop's priority (`src/threads/thread-priority.ts`), where the pool's threads run at the event
 * loop's and took cores from it (`serve` 1.08× the lines/s with the seal compressing inline).
 */
export async function resealPieces(
  pieces: readonly Uint8Array[],
  segmentLines: number,
  options: CompressionOptions = {},
  inline = false,
): Promise<Uint8Array[]> {
  const wholeFrom = wholePieceLines(segmentLines);
  const out: Uint8Array[] = [];
  let merged: Uint8Array[] = [];
  const mergeWaiting = async () => {
    if (merged.length > 0) out.push(...(await resealMerged(merged, segmentLines, options, inline)));
    merged = [];
  };
  for (const piece of pieces) {
    const count = readSegmentMeta(piece).count;
    if (count >= wholeFrom && count <= segmentLines) {
      await mergeWaiting();
      out.push(await resealWhole(piece, options, inline));
    } else merged.push(piece);
  }
  await mergeWaiting();
  return out;
}

/** The least records a piece needs to be sealed on its own (`resealPieces`): never fewer than 4,096. */
export function wholePieceLines(segmentLines: number): number {
  return Math.max(WHOLE_PIECE_LINES, Math.ceil(segmentLines / 4));
}
const WHOLE_PIECE_LINES = 4_096;

/**
 * A piece alone as a segment of its own, its blocks decompressed and compressed again with its digit
 * filter: no row decoded and no column built again. These are the bytes `resealMerged([piece])` gives (a
 * segment built from a piece's decoded rows has the piece's blocks: `SegmentBuilder`), at 0.38× the CPU a
 * line of sealing 5,000-line pieces three at a time (`bench/seal-whole-rows.ts`).
 */
async function resealWhole(
  piece: Uint8Array,
  options: CompressionOptions,
  inline: boolean,
): Promise<Uint8Array> {
  const blocks = Object.fromEntries(
    BLOCK_NAMES.map((name) => [name, readBlock(piece, name)]),
  ) as SegmentBlocks;
  return inline
    ? packBlocks(blocks, options, digitFilterBlock(blocks))
    : await packBlocksAsync(blocks, options, () => digitFilterBlock(blocks));
}

/** Pieces re-cut into segments through their decoded rows (the first paragraph of `resealPieces`). */
export async function resealMerged(
  pieces: readonly Uint8Array[],
  segmentLines: number,
  options: CompressionOptions,
  inline: boolean,
): Promise<Uint8Array[]> {
  const decoded = pieces.map(decodeRows);
  const out: Uint8Array[] = [];
  for (const run of consecutiveRuns(decoded)) {
    const total = run.reduce((a, d) => a + d.meta.count, 0);
    const parts = Math.ceil(total / segmentLines);
    const size = Math.ceil(total / parts);
    let piece = 0;
    let row = 0;
    for (let done = 0; done < total; ) {
      const count = Math.min(size, total - done);
      const builder = new SegmentBuilder(run[piece]!.meta.firstRef + row, count);
      for (let k = 0; k < count; k++) {
        builder.addDecoded(run[piece]!, row);
        if (++row === run[piece]!.meta.count) {
          piece++;
          row = 0;
        }
      }
      done += count;
      // One segment at a time: its five blocks already compress side by side on the thread pool. The
      // digit filter is built meanwhile from the raw blocks, so a search for a number can skip the segment
      // on it without decompressing anything.
      const blocks = builder.blocks();
      out.push(
        inline
          ? packBlocks(blocks, options, digitFilterBlock(blocks))
          : await packBlocksAsync(blocks, options, () => digitFilterBlock(blocks)),
      );
    }
  }
  return out;
}

/** The decoded pieces grouped into runs whose references follow on from one another. */
function consecutiveRuns(decoded: readonly DecodedRows[]): DecodedRows[][] {
  const runs: DecodedRows[][] = [];
  let run: DecodedRows[] = [];
  let next = -1;
  for (const d of decoded) {
    if (run.length > 0 && d.meta.firstRef !== next) {
      runs.push(run);
      run = [];
    }
    run.push(d);
    next = d.meta.firstRef + d.meta.count;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
