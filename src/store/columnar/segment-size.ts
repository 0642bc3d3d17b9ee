/**
 * How many records a sealed segment holds by default. From bench:store (docs/benchmarks.md, store
 * section, 1M lines): 16,384-line segments were 0.486× gzip -6's bytes against 0.500× at 4,096 (each
 * segment repeats its template texts and dictionaries, so small ones cost more), and a search reads a
 * quarter as many indexes as at 4,096; at 65,536 the prefilter skipped almost nothing (one segment then
 * holds a little of everything) and a reader decompresses 4× more to show one record. The 65,536 figure
 * for bytes is not comparable: the corpus repeats lines one round (20,000 lines) apart.
 */
export const DEFAULT_SEGMENT_LINES = 16_384;
