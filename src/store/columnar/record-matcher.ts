import { type LogQuery, queryTemplateIds } from "../../core/log-store.js";
import type { SegmentRecord } from "./segment-record.js";
import { foldText, queryWords, WORD_RUNS } from "./word-fold.js";

/** The fields of a record a query looks at. */
export type MatchableRecord = Pick<
  SegmentRecord,
  "timestamp" | "service" | "host" | "severityNumber" | "message" | "templateId"
>;

export type RecordMatcher = (record: MatchableRecord) => boolean;

/**
 * The exact test of `LogQuery` on one decoded record, as the `logs` table's search applies it
 * (src/store/repos/log-search.ts `whereLogQuery`): empty strings filter nothing, times compare as texts,
 * and the text matches when every word of it is a word of the message, the last also as a prefix.
 */
export function recordMatcher(query: LogQuery): RecordMatcher {
  const text = textMatcher(query);
  const { service, host, minSeverityNumber, since, until } = query;
  const templateIds = queryTemplateIds(query);
  return (r) => {
    if (service && r.service !== service) return false;
    if (host && r.host !== host) return false;
    if (templateIds && !(r.templateId !== null && templateIds.includes(r.templateId))) return false;
    if (minSeverityNumber !== undefined && !(r.severityNumber >= minSeverityNumber)) return false;
    if (since && !(r.timestamp >= since)) return false;
    if (until && !(r.timestamp < until)) return false;
    return text === null || text(r.message);
  };
}

/** The test of `query.text` on a message, or null when the query has no text condition. */
export function textMatcher(query: LogQuery): ((message: string) => boolean) | null {
  const words = query.text && query.text.trim() !== "" ? queryWords(query.text) : null;
  if (words === null) return null;
  if (words.length === 0) return () => false;
  const whole = words.slice(0, -1);
  const last = words[words.length - 1]!;
  return (message) => {
    const folded = foldText(message);
    // Every word is a substring of the folded message: a cheap test that rejects most messages unsplit.
    for (const w of words) if (!folded.includes(w)) return false;
    return messageHasWords(folded.match(WORD_RUNS) ?? [], whole, last);
  };
}

/** Whether `messageWords` holds every word of `whole` and a word starting with `last`. */
export function messageHasWords(
  messageWords: readonly string[],
  whole: readonly string[],
  last: string,
): boolean {
  for (const w of whole) if (!messageWords.includes(w)) return false;
  return messageWords.some((m) => m.startsWith(last));
}

/** One-off form of `recordMatcher`. */
export function matchesRecord(query: LogQuery, record: MatchableRecord): boolean {
  return recordMatcher(query)(record);
}
