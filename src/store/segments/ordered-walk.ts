import type { LogPosition } from "../../core/log-store.js";
import type { SegmentReader } from "../columnar/index.js";
import { canonicalMs, forEachMatch, type PreparedQuery, readListed } from "./matching-rows.js";
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
  timestamp: string;
  ref: number;
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
  const cut = () => {
    found.sort((a, b) => compareKeys(order, a.timestamp, a.ref, b.timestamp, b.ref));
    found = found.slice(0, want);
    worst = found.length === want ? found[want - 1] : undefined;
    worstMs = worst ? canonicalMs(worst.timestamp) : null;
  };
  const wanted = (t: string, ref: number) =>
    (!after || compareKeys(order, after.timestamp, after.ref, t, ref) < 0) &&
    (!worst || compareKeys(order, t, ref, worst.timestamp, worst.ref) < 0);
  // The same on milliseconds, before a row's text is built; a bound whose text is not canonical
  // (null) leaves the row to `wanted`.
  const afterMs = after ? canonicalMs(after.timestamp) : null;
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
    if (worst && compareKeys(order, worst.timestamp, worst.ref, b.t, b.ref) <= 0) break;
    await readListed(session, piece, q, (reader, plan, rows) =>
      forEachMatch(
        reader,
        plan,
        q,
        (i, timestamp) => {
          // With `wanted` given, the text is always built.
          found.push({
            reader,
            i,
            timestamp: timestamp ?? reader.timestamp(i),
            ref: reader.meta.firstRef + i,
          });
          if (found.length >= 2 * want) cut();
        },
        { wanted, wantedMs, endsAt, rows, backward: order === "newest" },
      ),
    );
    if (found.length >= want) cut();
  }
  cut();
  return found.slice(page.skip);
}
