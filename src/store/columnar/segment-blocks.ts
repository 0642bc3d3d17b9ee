import { promisify } from "node:util";
import {
  brotliCompress,
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateRawSync,
  inflateRawSync,
} from "node:zlib";
import { ByteReader } from "./byte-reader.js";
import { ByteWriter } from "./byte-writer.js";

/**
 * The container of a segment: a magic and version, a table of blocks, then the blocks, each compressed
 * on its own so a reader decompresses only the blocks it needs (the metadata to skip a segment, the
 * index to prefilter a search, the times to count, the rest to show records). A caller that stores the
 * blocks apart (one column each) can take them from `segmentBlocks` as they are.
 *
 * Compression is brotli from node:zlib, quality 5: it is in every Node version Logwarden supports (zstd
 * is in node:zlib only from Node 22.15, and Logwarden runs on Node 20; no npm zstd package was adopted).
 * bench:store's comparison (1M-line run, first 262k lines in 16k-line segments, 2026-11-23): deflate 9
 * is 10.5% larger; brotli 9 is 0.8% smaller but encodes at half the speed (61k against 124k lines per
 * CPU-second, and sealing must keep up with ingest); brotli 11 is 15% smaller at 13k lines per
 * CPU-second, a candidate for recompacting old segments, not for sealing. Decoding is fast at any quality.
 */
export const BLOCK_NAMES = ["meta", "index", "times", "fields", "vars"] as const;
export type BlockName = (typeof BLOCK_NAMES)[number];
export type SegmentBlocks = Record<BlockName, Uint8Array>;

/**
 * Blocks a segment may have after the five, by format version. Version 2 adds `digits`, the stored
 * digit filter (`stored-digit-filter.ts`, `digitFilterBlock`), written when a segment is sealed and stored
 * uncompressed, so a search reads it in place; batches (version 1) have none. Version 1 segments, as
 * every release before it wrote them, are read as they were.
 */
export type ExtraBlockName = "digits";
const VERSION_BLOCKS: Record<number, readonly (BlockName | ExtraBlockName)[]> = {
  1: BLOCK_NAMES,
  2: [...BLOCK_NAMES, "digits"],
  3: BLOCK_NAMES,
  4: [...BLOCK_NAMES, "digits"],
};
/**
 * Versions 3 and 4 are 1 and 2 whose resource column may hold resources with the host cut out
 * (`resource-host.ts`). Every version is read the same way (the cut is marked in the entry itself); the
 * number is there so that a release from before, which would show such a resource as it is stored, refuses
 * the segment instead (`unsupported segment version`).
 */
const WRITTEN_VERSION = { plain: 3, withDigits: 4 } as const;

const MAGIC = [0x4c, 0x57, 0x43, 0x53]; // "LWCS"
const CODEC_NONE = 0;
const CODEC_BROTLI = 1;
const CODEC_DEFLATE = 2;

export interface CompressionOptions {
  /** `brotli` (the default) or `deflate` (kept readable, and for comparison in bench:store). */
  codec?: "brotli" | "deflate";
  /** Brotli quality 0-11, or deflate level 1-9. */
  quality?: number;
}

export const DEFAULT_BROTLI_QUALITY = 5;

interface PackedBlock {
  codec: number;
  bytes: Uint8Array;
}

const brotliCompressAsync = promisify(brotliCompress);

function brotliOptions(raw: Uint8Array, options: CompressionOptions) {
  return {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: options.quality ?? DEFAULT_BROTLI_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: 22,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  };
}

/** A block as stored: compressed when that made it smaller, else as it is. */
function smaller(raw: Uint8Array, codec: number, packed: Uint8Array): PackedBlock {
  return packed.length < raw.length ? { codec, bytes: packed } : { codec: CODEC_NONE, bytes: raw };
}

function compress(raw: Uint8Array, options: CompressionOptions): PackedBlock {
  if (raw.length < 64) return { codec: CODEC_NONE, bytes: raw };
  if (options.codec === "deflate")
    return smaller(raw, CODEC_DEFLATE, deflateRawSync(raw, { level: options.quality ?? 9 }));
  return smaller(raw, CODEC_BROTLI, brotliCompressSync(raw, brotliOptions(raw, options)));
}

/** `compress` on libuv's thread pool (brotli only; deflate stays on the calling thread). */
async function compressAsync(raw: Uint8Array, options: CompressionOptions): Promise<PackedBlock> {
  if (raw.length < 64 || options.codec === "deflate") return compress(raw, options);
  return smaller(raw, CODEC_BROTLI, await brotliCompressAsync(raw, brotliOptions(raw, options)));
}

/**
 * Packs the raw blocks into one segment: format version 3, or 4 with `digits` (stored as it is) after
 * the five.
 */
export function packBlocks(
  raw: SegmentBlocks,
  options: CompressionOptions = {},
  digits?: Uint8Array,
): Uint8Array {
  return frame(
    withDigits(
      BLOCK_NAMES.map((name) => compress(raw[name], options)),
      digits,
    ),
  );
}

/** The packed blocks, and the digits block after them when there is one. */
function withDigits(packed: PackedBlock[], digits: Uint8Array | undefined): PackedBlock[] {
  if (digits !== undefined) packed.push({ codec: CODEC_NONE, bytes: digits });
  return packed;
}

/**
 * `packBlocks` with the blocks compressed on libuv's thread pool, side by side: the same bytes, and the
 * calling thread stays free meanwhile. Sealing uses it, so full compression runs beside ingest on the
 * second core instead of between its batches.
 */
export async function packBlocksAsync(
  raw: SegmentBlocks,
  options: CompressionOptions = {},
  /** Made while the five blocks compress on the pool (the digit filter is built from the raw blocks). */
  digits?: () => Uint8Array,
): Promise<Uint8Array> {
  const compressing = Promise.all(BLOCK_NAMES.map((name) => compressAsync(raw[name], options)));
  const filter = digits?.();
  return frame(withDigits(await compressing, filter));
}

/**
 * The container around compressed blocks: magic, version (3: the five blocks; 4: `digits` after them;
 * `WRITTEN_VERSION`), the block table, the blocks.
 */
function frame(packed: readonly PackedBlock[]): Uint8Array {
  const head = new ByteWriter(64);
  for (const b of MAGIC) head.byte(b);
  head.byte(packed.length > BLOCK_NAMES.length ? WRITTEN_VERSION.withDigits : WRITTEN_VERSION.plain);
  head.uint(packed.length);
  for (const p of packed) {
    head.uint(p.codec);
    head.uint(p.bytes.length);
  }
  const headBytes = head.finish();
  const out = new Uint8Array(headBytes.length + packed.reduce((a, p) => a + p.bytes.length, 0));
  out.set(headBytes, 0);
  let at = headBytes.length;
  for (const p of packed) {
    out.set(p.bytes, at);
    at += p.bytes.length;
  }
  return out;
}

function storedBlocks(segment: Uint8Array): Record<BlockName, PackedBlock> & { digits?: PackedBlock } {
  const input = new ByteReader(segment);
  for (const b of MAGIC) if (input.byte() !== b) throw new Error("not a Logwarden columnar segment");
  const version = input.byte();
  const names = VERSION_BLOCKS[version];
  if (names === undefined) throw new Error(`unsupported segment version ${version}`);
  const n = input.uint();
  if (n !== names.length) throw new Error(`segment has ${n} blocks, expected ${names.length}`);
  const table = names.map(() => ({ codec: input.uint(), length: input.uint() }));
  const out = {} as Record<BlockName, PackedBlock> & { digits?: PackedBlock };
  names.forEach((name, i) => {
    const t = table[i]!;
    out[name] = { codec: t.codec, bytes: input.bytes(t.length) };
  });
  return out;
}

/**
 * The segment framed without its `digits` block (the five blocks as they are: version 3), and that
 * block's bytes (null, and the segment unchanged, when it has none). The store keeps a sealed segment's
 * digit filter in a table of its own (`log_segment_digits`), where a search reads them all at once; a
 * second copy inside each segment was 1.5 % of a data dir. A segment without one is judged by the digit
 * summary of its index instead, with the same answers.
 */
export function splitStoredDigits(segment: Uint8Array): { segment: Uint8Array; digits: Uint8Array | null } {
  const stored = storedBlocks(segment);
  if (stored.digits === undefined) return { segment, digits: null };
  if (stored.digits.codec !== CODEC_NONE) throw new Error("block digits is compressed");
  return { segment: frame(BLOCK_NAMES.map((name) => stored[name])), digits: stored.digits.bytes };
}

/**
 * A block stored uncompressed (`digits`), as a view of the segment's bytes; null when the segment's
 * version has no such block.
 */
export function readStoredBlock(segment: Uint8Array, name: ExtraBlockName): Uint8Array | null {
  const b = storedBlocks(segment)[name];
  if (b === undefined) return null;
  if (b.codec !== CODEC_NONE) throw new Error(`block ${name} is compressed`);
  return b.bytes;
}

/** The stored (compressed) size of each block, for accounting (`digits`: 0 when there is none). */
export function blockSizes(segment: Uint8Array): Record<BlockName | ExtraBlockName, number> {
  const s = storedBlocks(segment);
  const out = { digits: s.digits?.bytes.length ?? 0 } as Record<BlockName | ExtraBlockName, number>;
  for (const name of BLOCK_NAMES) out[name] = s[name].bytes.length;
  return out;
}

/** One block, decompressed. */
export function readBlock(segment: Uint8Array, name: BlockName): Uint8Array {
  const b = storedBlocks(segment)[name];
  if (b.codec === CODEC_NONE) return b.bytes;
  if (b.codec === CODEC_BROTLI) return new Uint8Array(brotliDecompressSync(b.bytes));
  if (b.codec === CODEC_DEFLATE) return new Uint8Array(inflateRawSync(b.bytes));
  throw new Error(`unknown block codec ${b.codec}`);
}
