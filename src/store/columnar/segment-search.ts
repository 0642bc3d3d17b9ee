import type { LogQuery } from "../../core/log-store.js";
import { LeanIndex } from "./lean-index.js";
import { textMatcher } from "./record-matcher.js";
import { SegmentReader } from "./segment-decoder.js";
import { planSegment, readSearchIndex, type SearchIndex } from "./segment-prefilter.js";
import type { SegmentRecordWithRef } from "./segment-record.js";

/**
 * The records of a segment that match `query`, in reference order: exactly `recordMatcher`'s answer
 * over `decodeSegment`, but the segment is skipped on its metadata and index when it cannot match,
 * rows are tested on their template entry and time before anything else is decoded, messages are
 * rebuilt only for rows of entries that may match, and whole records only for the matches.
 * A row of an entry whose plan has number tests is rebuilt only when its numbers pass them.
 * `ix` is the segment's `readSearchIndex`, for a caller that keeps it, or its `readLeanIndex` (for
 * words `leanWords` accepts, with `anyWord`); rows of an entry whose static text holds the words are
 * taken without their messages.
 */
export function searchSegment(
  segment: Uint8Array,
  query: LogQuery,
  ix: SearchIndex | LeanIndex = readSearchIndex(segment),
): SegmentRecordWithRef[] {
  const plan = planSegment(ix, query);
  if (plan === null) return [];
  const reader =
    ix instanceof LeanIndex
      ? new SegmentReader(segment, {
          meta: ix.meta,
          shape: ix.shape,
          parseIndex: () => ix.parseIndex(),
          parts: ix,
        })
      : new SegmentReader(segment, { meta: ix.meta, index: ix.index });
  const text = textMatcher(query);
  const { service, host, minSeverityNumber, since, until } = query;
  const out: SegmentRecordWithRef[] = [];
  for (let i = 0; i < reader.count; i++) {
    const e = reader.entry(i);
    if (!plan.encoded[e] && !plan.verbatim[e]) continue;
    if (since || until) {
      const t = reader.timestamp(i);
      if ((since && !(t >= since)) || (until && !(t < until))) continue;
    }
    if (text !== null) {
      // The plan may have ruled out this entry's encoded or its verbatim messages.
      const verbatim = reader.isVerbatim(i);
      if (!(verbatim ? plan.verbatim[e] : plan.encoded[e])) continue;
      // An entry whose static text holds the words matches without its message (`SegmentPlan.sure`).
      if (verbatim || plan.sure?.[e] !== true) {
        const tests = plan.numberTests?.[e];
        if (tests && !verbatim && !reader.numbersMayMatch(i, tests)) continue;
        if (!text(reader.message(i))) continue;
      }
    }
    if (service && reader.service(i) !== service) continue;
    if (host && reader.host(i) !== host) continue;
    if (minSeverityNumber !== undefined && !(reader.severityNumber(i) >= minSeverityNumber)) continue;
    out.push(reader.record(i));
  }
  return out;
}
