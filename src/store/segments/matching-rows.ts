import type { LogQuery } from "../../core/log-store.js";
import {
  type MatchableRecord,
  planSegment,
  type RecordMatcher,
  recordMatcher,
  type SearchIndex,
  type SegmentPlan,
  type SegmentReader,
} from "../columnar/index.js";
import type { PieceSession, RowRange } from "./piece-session.js";
import type { Piece } from "./pieces.js";

/**
 * Row `i` of a segment as `recordMatcher` reads it, each field decoded only when the matcher asks
 * (most rows are turned down on their time or template before their message or fields are built).
 * One view serves every row of a segment.
 */
class RowView implements MatchableRecord {
  i = 0;
  timestamp = "";

  constructor(private readonly reader: SegmentReader) {}

  get service(): string {
    return this.reader.service(this.i);
  }
  get host(): string | null {
    return this.reader.host(this.i);
  }
  get severityNumber(): number {
    return this.reader.severityNumber(this.i);
  }
  get message(): string {
    return this.reader.message(this.i);
  }
  get templateId(): string | null {
    return this.reader.meta.templates[this.reader.entry(this.i)]!.templateId;
  }
}

/** A query prepared once for every piece a read visits. */
export interface PreparedQuery {
  query: LogQuery;
  matches: RecordMatcher;
  hasText: boolean;
}

export function prepareQuery(query: LogQuery): PreparedQuery {
  return { query, matches: recordMatcher(query), hasText: !!query.text && query.text.trim() !== "" };
}

/** Which of a piece's template entries may match (null: none; the piece is skipped unread). */
export function planPiece(ix: SearchIndex, q: PreparedQuery): SegmentPlan | null {
  return planSegment(ix, q.query);
}

/**
 * Calls `visit(i, timestamp)` for every row of `reader` (of `rows`, when given) that matches the query
 * exactly, in position order. `wanted(timestamp, ref)`, when given, is asked first and turns a row down
 * before anything but its time is decoded (a search page that cannot take it).
 */
export function forEachMatch(
  reader: SegmentReader,
  plan: SegmentPlan,
  q: PreparedQuery,
  visit: (i: number, timestamp: string) => void,
  wanted?: (timestamp: string, ref: number) => boolean,
  rows?: RowRange,
): void {
  const view = new RowView(reader);
  const firstRef = reader.meta.firstRef;
  const end = rows ? rows.to + 1 : reader.count;
  for (let i = rows ? rows.from : 0; i < end; i++) {
    const e = reader.entry(i);
    if (!plan.encoded[e] && !plan.verbatim[e]) continue;
    const t = reader.timestamp(i);
    if (wanted && !wanted(t, firstRef + i)) continue;
    // The plan may have ruled out this entry's encoded or its verbatim messages for the text.
    if (q.hasText && !(reader.isVerbatim(i) ? plan.verbatim[e] : plan.encoded[e])) continue;
    view.i = i;
    view.timestamp = t;
    if (q.matches(view)) visit(i, t);
  }
}

/**
 * Calls `read` with a reader and plan for what the listed piece `listed` holds now and may match:
 * itself, or the segments its records were sealed into since it was listed, with the rows that are its
 * records (`PieceSession.movedTo`). Nothing when nothing in it can match or its records were dropped.
 */
export async function readListed(
  session: PieceSession,
  listed: Piece,
  q: PreparedQuery,
  read: (reader: SegmentReader, plan: SegmentPlan, rows: RowRange | undefined) => void,
): Promise<void> {
  const ix = await session.index(listed);
  if (ix) {
    const plan = planPiece(ix, q);
    if (!plan) return;
    const reader = await session.open(listed);
    if (reader) return read(reader, plan, undefined);
  }
  if (listed.kind !== "batch") return;
  for (const part of await session.movedTo(listed)) {
    const moved = await session.index(part.piece);
    const plan = moved && planPiece(moved, q);
    const reader = plan && (await session.open(part.piece));
    if (plan && reader) read(reader, plan, part.rows);
  }
}
