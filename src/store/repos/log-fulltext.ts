import { type Expression, type SqlBool, sql } from "kysely";
import type { StoreDialect } from "../dialect/dialect.js";

/** The words of a search text: letters and digits, as both databases' tokenizers see them. */
export function searchTerms(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/**
 * A condition on `logs` that is true when the message contains every word of `text`. SQLite uses the FTS5
 * index and takes the last word as a prefix (so a word being typed already matches); PostgreSQL uses the
 * GIN index on `to_tsvector('simple', message)` and parses the text with the same parser
 * (`plainto_tsquery`), so dotted values such as IP addresses match as the index saw them. The text is a
 * quoted term list or a bound value, never query syntax: operators and quotes match literally. Null when
 * the text is empty; a text without any word matches nothing.
 */
export function fullTextMatch(dialect: StoreDialect, text: string): Expression<SqlBool> | null {
  if (text.trim() === "") return null;
  const terms = searchTerms(text);
  if (terms.length === 0) return sql<SqlBool>`1 = 0`;
  return dialect.logsMatchTerms(terms, text);
}
