import { type Expression, type SqlBool, sql } from "kysely";
import type { StoreDialect } from "../dialect/dialect.js";

/**
 * The words of a search text: runs of letters and digits, lower case, as both databases' indexes split
 * messages (FTS5's unicode61 tokenizer; PostgreSQL's index expression, migration 014). Anything else,
 * `_` and `.` included, separates words, so `10.0.0.12` is the words 10, 0, 0 and 12.
 */
export function searchTerms(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * A condition on `logs` that is true when the message contains every word of `text`, the last also as the
 * start of a longer word (so a word being typed already matches): `LogQuery.text`, one meaning on both
 * databases (`StoreDialect.logsMatchTerms`). The text is never query syntax: operators and quotes are not
 * words. Null when the text is empty; a text without any word matches nothing. One difference is left:
 * SQLite's FTS5 folds diacritics (`cafe` finds `café`), PostgreSQL without the `unaccent` extension does not.
 */
export function fullTextMatch(dialect: StoreDialect, text: string): Expression<SqlBool> | null {
  if (text.trim() === "") return null;
  const terms = searchTerms(text);
  if (terms.length === 0) return sql<SqlBool>`1 = 0`;
  return dialect.logsMatchTerms(terms);
}
