/**
 * A template-columnar segment of log records (issue 18): a CLP-like encoding of a run of consecutive
 * records, searchable without decoding its columns.
 *
 * Layout. A segment is one byte array: the magic `LWCS`, a version, a table of five blocks, then the
 * blocks, each brotli-compressed on its own (`segment-blocks.ts`):
 * - meta: count, first reference, min/max record time, severity range, services, hosts, and the
 *   template entries present with their counts (`segment-meta.ts`);
 * - index: each entry's template text, per wildcard either the value dictionary or a number column's
 *   ranges, and the messages kept verbatim (no template, or one they do not fit);
 * - times: record times (ms deltas, non-canonical texts verbatim) and each record's template entry;
 * - fields: observed times, service/host ids (into meta), severity numbers, and level, stream,
 *   attributes and resource as per-segment dictionaries;
 * - vars: which records are verbatim, then the value column of each (template, wildcard).
 * A message is encoded by matching its template's static pieces in order around the wildcards
 * (`template-pieces.ts`), so decoding is exact whatever the miner did.
 */
export { type MatchableRecord, matchesRecord, type RecordMatcher, recordMatcher } from "./record-matcher.js";
export { BLOCK_NAMES, type BlockName, blockSizes, type CompressionOptions } from "./segment-blocks.js";
export {
  decodeSegment,
  decodeSegmentAt,
  decodeSegmentTimes,
  readSegmentIndex,
  readSegmentMeta,
  SegmentReader,
  type SegmentTimes,
} from "./segment-decoder.js";
export { encodeSegment } from "./segment-encoder.js";
export type { IndexedTemplate, SegmentIndex, SegmentMeta } from "./segment-meta.js";
export {
  planSegment,
  readSearchIndex,
  SearchIndex,
  type SegmentPlan,
  segmentMayMatch,
} from "./segment-prefilter.js";
export type { SegmentRecord, SegmentRecordWithRef } from "./segment-record.js";
export { searchSegment } from "./segment-search.js";
