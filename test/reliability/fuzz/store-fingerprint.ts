import { createHash } from "node:crypto";
import Database from "better-sqlite3";

/**
 * What the store holds, cheaply: per table its row count, its largest rowid and (for tables that are not
 * append-only logs) a hash of every row. Read straight from the server's SQLite file, never through the server.
 */
export type Fingerprint = Map<string, string>;

/** Written by timers or by every authenticated request, not by what a request asked for. */
const VOLATILE_TABLES = new Set(["state", "change_versions", "schema_migrations", "schema_migrations_lock"]);
const VOLATILE_COLUMNS: Record<string, readonly string[]> = { api_tokens: ["last_used_at"] };
/** Append-only and large: count and largest rowid say whether a row came or went. */
const COUNT_ONLY = (table: string) => table === "logs" || table.startsWith("logs_fts");

export class StoreWatcher {
  readonly #db: Database.Database;
  readonly #tables: { name: string; count: string; select: string; countOnly: boolean }[];
  #dataVersion = -1;
  #last: Fingerprint = new Map();

  constructor(file: string) {
    this.#db = new Database(file, { readonly: true, fileMustExist: true });
    // `shadow` tables are FTS5's own storage: the virtual table over them is looked at instead.
    const tables = (
      this.#db.prepare("pragma main.table_list").all() as { name: string; type: string; wr: number }[]
    )
      .filter((t) => (t.type === "table" || t.type === "virtual") && !t.name.startsWith("sqlite_"))
      .filter((t) => !VOLATILE_TABLES.has(t.name))
      .sort((a, b) => a.name.localeCompare(b.name));
    this.#tables = tables.map(({ name, type, wr }) => {
      const skip = VOLATILE_COLUMNS[name] ?? [];
      const columns = (this.#db.prepare(`pragma table_info("${name}")`).all() as { name: string }[])
        .map((c) => `"${c.name}"`)
        .filter((c) => !skip.includes(c.slice(1, -1)));
      // A WITHOUT ROWID table has no rowid; its rows come in primary-key order, which is as stable.
      const rowid = wr === 0;
      return {
        name,
        count: `select count(*) as n, ${rowid ? "max(rowid)" : "null"} as m from "${name}"`,
        select: `select ${columns.join(", ")} from "${name}"${rowid ? " order by rowid" : ""}`,
        countOnly: type === "virtual" || COUNT_ONLY(name),
      };
    });
  }

  /**
   * The fingerprint now. SQLite's `data_version` changes only when another connection commits, so while it
   * stands still the last fingerprint is reused and a look costs one pragma.
   */
  current(): Fingerprint {
    const version = this.#db.pragma("data_version", { simple: true }) as number;
    if (version === this.#dataVersion) return this.#last;
    const fingerprint: Fingerprint = new Map();
    for (const table of this.#tables) {
      const { n, m } = this.#db.prepare(table.count).get() as {
        n: number;
        m: number | null;
      };
      let summary = `${n} rows, max rowid ${m ?? "-"}`;
      if (!table.countOnly) {
        const hash = createHash("sha256");
        for (const row of this.#db.prepare(table.select).raw().iterate()) hash.update(JSON.stringify(row));
        summary += `, ${hash.digest("hex").slice(0, 16)}`;
      }
      fingerprint.set(table.name, summary);
    }
    this.#dataVersion = version;
    this.#last = fingerprint;
    return fingerprint;
  }

  close(): void {
    this.#db.close();
  }
}

/** Tables whose fingerprint differs, as `table: before -> after`. */
export function differences(before: Fingerprint, after: Fingerprint): string[] {
  const out: string[] = [];
  for (const [table, was] of before) {
    const now = after.get(table);
    if (now !== was) out.push(`${table}: ${was} -> ${now}`);
  }
  return out;
}
