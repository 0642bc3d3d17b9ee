import { type Expression, type SqlBool, sql } from "kysely";
import type { StoreScope } from "../db.js";
import { fullTextMatch } from "./log-fulltext.js";

/**
 * Matches from which a SQLite search page walks the timestamp index instead of the full-text matches.
 * Below it, reading every match's row and sorting them costs at most this many row reads; above it the
 * walk reads about `limit × lines / matches` index entries (7.7 million lines: under 40,000) and only
 * collects the matching row ids, with no row read and no sort.
 */
export const WALK_TIME_INDEX_FROM_MATCHES = 20_000;

/**
 * How a search page should be planned: whether `text` matches at least WALK_TIME_INDEX_FROM_MATCHES lines
 * where the database needs to be told (`StoreDialect.logsSearchWalksTimeIndex`: SQLite counts up to that
 * many, so the question costs at most that many index look-ups whatever the store's size; it otherwise
 * always reads every match's row and sorts them all by time for one page of 100: 3 s for `failed` among
 * 7.7 million lines, soak, 2026-11-23). PostgreSQL plans by its statistics: false.
 */
export async function walkTimeIndex(store: StoreScope, text: string | undefined): Promise<boolean> {
  if (!text) return false;
  const match = fullTextMatch(store.dialect, text);
  if (!match) return false;
  return store.dialect.logsSearchWalksTimeIndex(store.db, match, WALK_TIME_INDEX_FROM_MATCHES);
}

/**
 * The full-text condition written so SQLite cannot drive the query by it (`+`; only used where
 * `walkTimeIndex` said so, which is SQLite alone): the matching ids are
 * collected once into a set and the newest-first walk of the timestamp index stops at the page's end.
 */
export function asSetCheck(match: Expression<SqlBool>): Expression<SqlBool> {
  return sql<SqlBool>`+(${match})`;
}
