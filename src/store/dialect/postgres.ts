import { type Compilable, Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import type pg from "pg";
import type { Database } from "../schema.js";
import type { BulkInsert, StoreDialect } from "./dialect.js";
import { PostgresTextPlugin } from "./postgres-text.js";

// PostgreSQL allows 65,535 bound parameters per statement; 13 columns × 1,000 rows stays well under it.
const ROWS_PER_STATEMENT = 1_000;

const INT8_OID = 20;

/**
 * Our pool's type parsers: bigint (int8) columns such as template counts and `count(*)` come back as
 * numbers, not strings. Scoped to this pool (pg's per-client `types`), not set process-wide, so another
 * pg client in the process (the PostgreSQL log source reading someone else's table) keeps pg's defaults.
 */
const typesOf = (parsers: typeof pg.types): pg.CustomTypesConfig => ({
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? (value: string) => Number(value)
      : parsers.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
});

const postgresDialect: StoreDialect = {
  name: "postgres",

  async insertMany(tx: Transaction<Database>, insert: BulkInsert): Promise<number[]> {
    const width = insert.columns.length;
    const ids: number[] = [];
    const columns = sql.join(insert.columns.map((c) => sql.ref(c)));
    for (let i = 0; i < insert.rows; i += ROWS_PER_STATEMENT) {
      const n = Math.min(ROWS_PER_STATEMENT, insert.rows - i);
      const values: unknown[] = new Array(width);
      const rows = [];
      for (let j = 0; j < n; j++) {
        insert.write(i + j, values, 0);
        rows.push(sql`(${sql.join(values)})`);
      }
      // Values are bound parameters, so PostgresTextPlugin cleans them as it does any other statement's.
      const inserted = await sql<{
        id: number;
      }>`insert into ${sql.table(insert.table)} (${columns}) values ${sql.join(rows)} returning id`.execute(
        tx,
      );
      for (const row of inserted.rows) ids.push(Number(row.id));
    }
    return ids;
  },

  logsMatchTerms(terms) {
    // Terms are letters and digits only, so quoting them is safe; `:*` makes the last one a prefix. The
    // vector expression is migration 014's index expression, word for word, so the GIN index serves it.
    const query = terms.map((t, i) => `'${t}'${i === terms.length - 1 ? ":*" : ""}`).join(" & ");
    return sql<boolean>`to_tsvector('simple', regexp_replace(logs.message, '[^[:alnum:]]+', ' ', 'g')) @@ to_tsquery('simple', ${query})`;
  },

  logsSearchWalksTimeIndex: async () => false,

  changeVersion: () => undefined,

  changeVersions: () => undefined,

  boolParam: (value) => value,

  epochMs: (isoText) => sql<number>`(extract(epoch from cast(${isoText} as timestamptz)) * 1000)::bigint`,

  skipLocked: (query) => query.forUpdate().skipLocked(),

  async lockKeys(tx, keys) {
    if (keys.length === 0) return;
    // One statement, locks taken in hash order: two transactions never wait on each other in a cycle,
    // even when two keys share a 32-bit hash (which only makes one wait for the other).
    await sql`select pg_advisory_xact_lock(h) from (select distinct hashtext(k) as h from unnest(${[...keys]}::text[]) as k order by h) as locks`.execute(
      tx,
    );
  },

  async selectTuples<T extends unknown[]>(db: Kysely<Database>, query: Compilable): Promise<T[]> {
    const result = await db.executeQuery<Record<string, unknown>>(query.compile());
    return result.rows.map((row) => Object.values(row) as T);
  },

  pinned: (db, work) => work(db),

  async migrationSchema(db) {
    // Name the schema the tables live in (the search path's first). Without it Kysely looks the migration
    // tables up in every schema, so one in another schema of the same database (another Logwarden,
    // another Kysely app) is taken for ours and migrating fails.
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    const schema = rows[0]?.schema;
    if (!schema)
      throw new Error("PostgreSQL has no current schema: set search_path to a schema Logwarden may use");
    return schema;
  },

  healthChecks: (ok) => ({ postgres: ok ? "ok" : "error", sqlite: "disabled" }),

  releaseFreePages: async () => 0,

  writeTurns: undefined,
};

/** Opens a pool on `url` (with our own type parsers) and PostgreSQL's capabilities. */
export function openPostgres(url: string): {
  db: Kysely<Database>;
  dialect: StoreDialect;
  close(): Promise<void>;
} {
  // A connect that hangs (a server unreachable rather than refusing) fails after 10 s instead of holding
  // its caller, and whatever waits for a pool slot behind it, forever.
  // pg loads with the first query (Kysely asks the factory then), not at every start on SQLite.
  const pool = async () => {
    const { default: pg } = await import("pg");
    const created = new pg.Pool({
      connectionString: url,
      max: 10,
      types: typesOf(pg.types),
      connectionTimeoutMillis: 10_000,
    });
    listenForErrors(created);
    return created;
  };
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new PostgresTextPlugin()],
  });
  return { db, dialect: postgresDialect, close: () => db.destroy() };
}

function listenForErrors(pool: pg.Pool): void {
  // An idle client whose server ended the connection (PostgreSQL restarting: "terminating connection due
  // to administrator command") makes the pool emit "error"; with no listener, Node ended the process. The
  // pool drops that client by itself, and the next query connects afresh or fails where it is awaited.
  pool.on("error", () => {});
  // A client checked out of the pool (a transaction between two of its statements) gets the same
  // "error", and the pool listens only on idle ones: with no listener of its own it ended the process (a
  // cluster node, when PostgreSQL stopped under it: test/cluster/cluster-dependency-restart.test.ts). Its
  // next statement fails where it is awaited, and the pool drops it when it comes back (not queryable).
  pool.on("connect", (client) => client.on("error", () => {}));
}
