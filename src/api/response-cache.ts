/** A response computed at a data version, kept ready to send. */
export interface CachedResponse<Meta> {
  version: number;
  body: Buffer;
  meta: Meta;
}

/**
 * A small LRU of encoded response bodies keyed by the normalised request, each valid for one data version
 * (see `changeVersionReader`). Polling clients (dashboards, the Log Monitor) ask for the same first page
 * over and over; while the table has not changed, they get the encoded bytes without a query, row
 * mapping or JSON encoding. Bounded by entries and by total bytes; bodies above `maxBodyBytes` are not
 * kept, so a huge page cannot crowd the cache out.
 */
export class ResponseCache<Meta> {
  private readonly entries = new Map<string, CachedResponse<Meta>>();
  private bytes = 0;
  /** Lookups answered from the cache, and lookups that were not (for /metrics). */
  hits = 0;
  misses = 0;

  constructor(
    private readonly maxEntries = 256,
    private readonly maxBodyBytes = 1 << 20,
    private readonly maxTotalBytes = 32 << 20,
  ) {}

  get(key: string, version: number): CachedResponse<Meta> | undefined {
    const hit = this.entries.get(key);
    if (!hit || hit.version !== version) {
      if (hit) this.remove(key, hit);
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Refresh its place in the LRU order.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  set(key: string, entry: CachedResponse<Meta>): void {
    if (entry.body.length > this.maxBodyBytes) return;
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    this.entries.set(key, entry);
    this.bytes += entry.body.length;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxTotalBytes) {
      const [oldestKey, oldest] = this.entries.entries().next().value!;
      this.remove(oldestKey, oldest);
    }
  }

  private remove(key: string, entry: CachedResponse<Meta>): void {
    this.entries.delete(key);
    this.bytes -= entry.body.length;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes of the bodies kept. */
  get totalBytes(): number {
    return this.bytes;
  }
}
