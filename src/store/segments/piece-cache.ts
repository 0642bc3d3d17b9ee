import type { SearchIndex } from "../columnar/index.js";

/**
 * Parsed metadata and search indexes of recently read pieces, by `Piece.cacheKey`, least recently used
 * dropped past `capacity`. A piece's bytes never change under its key, so entries need no invalidation;
 * those of sealed or dropped pieces just age out. With an index at hand, a search decides to skip a piece
 * without reading its bytes from the database.
 */
export class PieceIndexCache {
  readonly #entries = new Map<string, SearchIndex>();

  constructor(readonly capacity = 1_024) {}

  get(key: string): SearchIndex | undefined {
    const ix = this.#entries.get(key);
    if (ix !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, ix);
    }
    return ix;
  }

  set(key: string, ix: SearchIndex): void {
    this.#entries.delete(key);
    this.#entries.set(key, ix);
    while (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }
}
