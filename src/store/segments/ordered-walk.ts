import type { LogPosition } from "../../core/log-store.js";
import type { SegmentReader } from "../columnar/index.js";
import {
  canonicalMs,
  forEachMatch,
  isPlainMs,
  knownToLackDigits,
  type PreparedQuery,
  readListed,
} from "./matching-rows.js";
import type { PieceSession } from "./piece-session.js";
import type { Piece, PieceFilter } from "./pieces.js";

/**
 * The two orders reads walk records in. `newest`: search order (newest record time first, ties by
 * greater reference). `oldest`: its reverse (a record's later neighbours).
 */
export type WalkOrder = "newest" | "oldest";

/** A matching row found by a walk, decoded no further than its time. */
export interface FoundRow {
  reader: SegmentReader;
  i: number;
  /** The row's time in milliseconds when plain (`isPlainMs`: its text is their `toISOString`), else NaN. */
  ms: number;
  /** The row's time text, built when first compared as a text (`timeText`); a page's rows need none. */
  timestamp: string | null;
  ref: number;
}

/** The row's time text, built once. */
function timeText(row: FoundRow): string {
  row.timestamp ??= row.reader.timestamp(row.i);
  return row.timestamp;
}

/** Negative when (ta, ra) comes before (tb, rb) in `order`. Times compare as texts, as the table does. */
export function compareKeys(order: WalkOrder, ta: string, ra: number, tb: string, rb: number): number {
  const c = ta < tb ? -1 : ta > tb ? 1 : ra - rb;
  return order === "oldest" ? c : -c;
}

/** `compareKeys` on times in milliseconds (of texts in canonical form, whose order is the same). */
function compareMs(order: WalkOrder, ta: number, ra: number, tb: number, rb: number): number {
  const c = ta < tb ? -1 : ta > tb ? 1 : ra - rb;
  return order === "oldest" ? c : -c;
}

/** The conditions on a piece's row that rule it out for a walk from `after` (none without a position). */
export function walkFilter(order: WalkOrder, after: LogPosition | undefined): PieceFilter {
  if (!after) return {};
  return order === "newest" ? { notAfter: after.timestamp } : { since: after.timestamp };
}

/**
 * The first `skip + limit` matching rows in `order` strictly after `after`, of which the last `limit`
 * are returned. Pieces are visited best bound first (newest: greatest newest time, then greatest last
 * reference; oldest: the reverse), and the walk stops once it holds enough rows and the next piece's
 * bound cannot beat the worst of them: no later piece can then hold a row of the page.
 */
export async function walkMatches(
  session: PieceSession,
  pieces: readonly Piece[],
  q: PreparedQuery,
  order: WalkOrder,
  page: { limit: number; skip: number; after?: LogPosition | undefined },
): Promise<FoundRow[]> {
  const want = page.skip + page.limit;
  if (page.limit <= 0) return [];
  const bound = (p: Piece) =>
    order === "newest" ? { t: p.maxTime, ref: p.lastRef } : { t: p.minTime, ref: p.firstRef };
  const ordered = [...pieces].sort((a, b) => {
    const ba = bound(a);
    const bb = bound(b);
    return compareKeys(order, ba.t, ba.ref, bb.t, bb.ref);
  });
  const after = page.after;
  let found: FoundRow[] = [];
  // The worst row kept once `found` was last cut to `want` rows: rows not before it cannot be on the page.
  let worst: FoundRow | undefined;
  // Plain rows compare on their milliseconds, in the order of their texts; others on their texts.
  const compareRows = (a: FoundRow, b: FoundRow) =>
    isPlainMs(a.ms) && isPlainMs(b.ms)
      ? compareMs(order, a.ms, a.ref, b.ms, b.ref)
      : compareKeys(order, timeText(a), a.ref, timeText(b), b.ref);
  const cut = () => {
    found.sort(compareRows);
    found = found.slice(0, want);
    worst = found.length === want ? found[want - 1] : undefined;
    worstMs = worst && isPlainMs(worst.ms) ? worst.ms : null;
  };
  const wanted = (t: string, ref: number) =>
    (!after || compareKeys(order, after.timestamp, after.ref, t, ref) < 0) &&
    (!worst || compareKeys(order, t, ref, timeText(worst), worst.ref) < 0);
  // The same on milliseconds, before a row's text is built; a bound whose text is not canonical
  // (null) leaves the row to `wanted`.
  const afterMs = after ? canonicalMs(after.timestamp) : null;
  // Then `wantedMs` judges a plain row exactly, and `wanted` is asked only of rows whose text is built.
  const plainByMs = !after || afterMs !== null;
  let worstMs: number | null = null;
  const wantedMs = (ms: number, ref: number) =>
    (!after || afterMs === null || compareMs(order, afterMs, after.ref, ms, ref) < 0) &&
    (!worst || worstMs === null || compareMs(order, ms, ref, worstMs, worst.ref) < 0);
  // A row not before the worst kept: in a piece in time order, walked in this order, neither is any
  // row after it (`RowWalk.endsAt`).
  const endsAt = (ms: number, ref: number) =>
    worst !== undefined && worstMs !== null && compareMs(order, ms, ref, worstMs, worst.ref) >= 0;

  for (const piece of ordered) {
    const b = bound(piece);
    if (worst && compareKeys(order, timeText(worst), worst.ref, b.t, b.ref) <= 0) break;
    if (knownToLackDigits(session, piece, q)) continue;
    await readListed(session, piece, q, (reader, plan, rows) =>
      forEachMatch(
        reader,
        plan,
        q,
        (i, timestamp, ms) => {
          found.push({
            reader,
            i,
            ms: isPlainMs(ms) ? ms : Number.NaN,
            timestamp,
            ref: reader.meta.firstRef + i,
          });
          // Cut at the first `want` rows (then a walk in time order stops at the next row, `endsAt`),
          // and from there each time twice as many are held (sorting per row would cost more).
          if (found.length >= 2 * want || (worst === undefined && found.length >= want)) cut();
        },
        { wanted, wantedMs, plainByMs, endsAt, rows, backward: order === "newest" },
      ),
    );
    if (found.length >= want) cut();
    session.releaseBytes();
  }
  cut();
  return found.slice(page.skip);
}
