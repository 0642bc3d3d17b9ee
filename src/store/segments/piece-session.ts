import { blockSizes, readSearchIndex, type SearchIndex, SegmentReader } from "../columnar/index.js";
import type { StoreScope } from "../db.js";
import type { PieceIndexCache, PieceReaderCache } from "./piece-cache.js";
import { type Piece, readPieceData } from "./pieces.js";

/** A listed batch was sealed before its bytes were read: the read starts again from a fresh listing. */
export class PieceMoved extends Error {
  constructor(piece: Piece) {
    super(`batch ${piece.id} was sealed while being read`);
  }
}

/**
 * The pieces one read opens: each piece's bytes are read from the database at most once per read, its
 * search index comes from the shared cache when it is there.
 */
export class PieceSession {
  readonly #bytes = new Map<string, Uint8Array | null>();

  constructor(
    private readonly scope: StoreScope,
    private readonly cache: PieceIndexCache,
    private readonly readers?: PieceReaderCache,
  ) {}

  /** The piece's parsed metadata and index, or null when the piece is gone (a dropped segment). */
  async index(piece: Piece): Promise<SearchIndex | null> {
    const cached = this.cache.get(piece.cacheKey);
    if (cached) return cached;
    const bytes = await this.#read(piece);
    if (bytes === null) return null;
    const ix = readSearchIndex(bytes);
    const stored = blockSizes(bytes);
    this.cache.set(piece.cacheKey, ix, stored.meta + stored.index);
    return ix;
  }

  /** A reader over the piece's records, or null when the piece is gone (a dropped segment). */
  async open(piece: Piece): Promise<SegmentReader | null> {
    const kept = this.readers?.get(piece.cacheKey);
    if (kept) return kept;
    const ix = await this.index(piece);
    const bytes = ix && (await this.#read(piece));
    if (!ix || !bytes) return null;
    const reader = new SegmentReader(bytes, { meta: ix.meta, index: ix.index });
    this.readers?.set(piece.cacheKey, reader);
    return reader;
  }

  async #read(piece: Piece): Promise<Uint8Array | null> {
    if (this.#bytes.has(piece.cacheKey)) return this.#bytes.get(piece.cacheKey)!;
    const bytes = await readPieceData(this.scope, piece);
    // A batch only goes away by being sealed into a segment this read did not list; a segment only by
    // retention, whose records are meant to be gone.
    if (bytes === null && piece.kind === "batch") throw new PieceMoved(piece);
    this.#bytes.set(piece.cacheKey, bytes);
    return bytes;
  }
}

/** Runs `read` again (a few times) when a batch it listed was sealed under it. */
export async function retryingMoves<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof PieceMoved) || attempt >= 5) throw error;
    }
  }
}
