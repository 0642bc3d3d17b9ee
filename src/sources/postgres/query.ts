import type { PostgresSourceConfig } from "../../config/source-schema.js";

/** `a.b` → `"a"."b"`, each part quoted with `"` doubled, so a configured name can never inject SQL. */
export function quoteIdent(name: string): string {
  return name
    .split(".")
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join(".");
}

/** Text of the rows to poll: the configured query as a subquery, or the table. */
export function sourceRelation(config: Pick<PostgresSourceConfig, "table" | "query">): string {
  return config.query ? `(${config.query.replace(/;\s*$/, "")})` : quoteIdent(config.table);
}

/** The alias the cursor value comes back under, as text (ids and timestamps alike, no driver conversion). */
export const CURSOR_ALIAS = "__logwarden_cursor";

/**
 * The poll statement: rows after the cursor (all rows on the first poll), in cursor order, at most `limit`.
 * `$1` is the cursor as text (PostgreSQL casts it to the column's type), `$2` the limit; `bounded`: `$3`
 * is the last cursor value to read (a crash's unsettled poll read again as it was read).
 */
export function pollStatement(config: PostgresSourceConfig, hasCursor: boolean, bounded = false): string {
  const cursor = `src.${quoteIdent(config.cursor.column)}`;
  const where =
    (hasCursor ? `where ${cursor} > $1` : "where $1::text is null") + (bounded ? ` and ${cursor} <= $3` : "");
  return `select src.*, ${cursor}::text as ${CURSOR_ALIAS} from ${sourceRelation(config)} as src ${where} order by ${cursor} limit $2`;
}

/**
 * Adds `default_transaction_read_only=on` to the connection's startup options (keeping any the URL
 * already has, e.g. a `search_path`), so even a statement outside our `BEGIN READ ONLY` cannot write.
 */
export function readOnlyUrl(url: string): string {
  const u = new URL(url);
  const existing = u.searchParams.get("options");
  u.searchParams.set("options", [existing, "-c default_transaction_read_only=on"].filter(Boolean).join(" "));
  return u.toString();
}
