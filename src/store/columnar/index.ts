/**
 * A template-columnar segment of log records (issue 18): a CLP-like encoding of a run of consecutive
 * records, searchable without decoding its columns.
 *
 * Layout. A segment is one byte array: the magic `LWCS`, a version, a table of five blocks (six in versions
 * 2 and 4; versions 3 and 4 may keep a resource with its host cut out, `resource-host.ts`), then the
 * blocks, each compressed on its own (brotli, `segment-blocks.ts`), so a reader decompresses only what it
 * needs:
 * - meta: count, first reference, min/max record time (texts), severity range, the services, hosts and
 *   streams present, and the template entries, one per (template id, template text at mining time)
 *   pair, with their record counts; ids the content-derived rule gives back are not stored
 *   (`derived-template-id.ts`);
 * - index: per entry, each wildcard's value dictionary or a number column's digit and magnitude ranges
 *   (`slot-column.ts`), and the messages kept verbatim (no template text, or one they do not fit);
 * - times: record times (whole-second deltas, then milliseconds; non-canonical texts verbatim,
 *   `time-column.ts`) and each record's template entry;
 * - fields: observed times, service/host/stream ids (into meta), severity numbers, level and resource
 *   as per-segment dictionaries, attributes by shape (`shaped-text-column.ts`);
 * - vars: which records are verbatim, then each (entry, wildcard)'s value ids or numbers;
 * - digits (versions 2 and 4, sealed segments only; stored uncompressed): a binary fuse or Bloom filter of the
 *   messages' digit runs (`stored-digit-filter.ts`, `digitFilterBlock`), which a search for a number reads without decompressing
 *   anything; the store keeps it in `log_segment_digits` (migration 021) instead, to read them all at once,
 *   and stores the segment without it (`splitStoredDigits`).
 * A message is encoded by matching its template's static pieces in order around the wildcards
 * (`template-pieces.ts`), so decoding is exact whatever the miner did.
 *
 * Writing: `encodeSegment` (records) and `resealPieces` (stored pieces re-cut into segments from their
 * decoded columns, no record built), both through `SegmentBuilder`, which writes the same bytes either way.
 *
 * Reading: `readSegmentMeta` (meta only), `decodeSegmentTimes` (meta + times: histograms, counts),
 * `readSearchIndex` + `segmentMayMatch`/`planSegment` (meta + index: skip segments), `searchSegment`
 * (a query's matches, decoding only what they need), `SegmentReader`/`decodeSegmentAt`/`decodeSegment`
 * (records by position, or all). For a search of numbers and ids (`leanWords`), `readLeanIndex` reads
 * the index block without parsing its dictionaries (byte searches of the block instead), and a plan's
 * `numberTests` let rows be judged on their decoded number columns before any message is rebuilt
 * (`number-match.ts`).
 */

export { type DigitProbe, digitProbes, storedDigitProbes } from "./digit-keys.js";
export { DigitRunSummary, readDigitRunSummary } from "./digit-runs.js";
export {
  LeanIndex,
  leanWords,
  readLeanIndex,
} from "./lean-index.js";
export { NumberValues, type NumberWordTest } from "./number-match.js";
export {
  type MatchableRecord,
  matchesRecord,
  type RecordMatcher,
  recordMatcher,
  textMatcher,
} from "./record-matcher.js";
export {
  BLOCK_NAMES,
  type BlockName,
  blockSizes,
  type CompressionOptions,
  type ExtraBlockName,
  readStoredBlock,
  splitStoredDigits,
} from "./segment-blocks.js";
export type { IndexShape } from "./segment-columns.js";
export {
  decodeSegment,
  decodeSegmentAt,
  decodeSegmentTimes,
  readSegmentIndex,
  readSegmentMeta,
  SegmentReader,
  type SegmentTimes,
} from "./segment-decoder.js";
export {
  encodeFilledSegment,
  encodeSegment,
  encodeSegmentAsync,
  encodeSegmentWithRange,
  FilledSegment,
} from "./segment-encoder.js";
export type { IndexedTemplate, SegmentIndex, SegmentMeta } from "./segment-meta.js";
export {
  planSegment,
  readSearchIndex,
  SearchIndex,
  type SegmentPlan,
  segmentMayMatch,
} from "./segment-prefilter.js";
export type { SegmentRecord, SegmentRecordWithRef } from "./segment-record.js";
export { resealPieces } from "./segment-reseal.js";
export { searchSegment } from "./segment-search.js";
export { DEFAULT_SEGMENT_LINES } from "./segment-size.js";
export { readStoredDigitFilter, StoredDigitFilter, storedDigitFilterOf } from "./stored-digit-filter.js";
