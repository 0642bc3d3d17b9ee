import { type DatabaseIntrospector, type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/**
 * `db` as Kysely's Migrator sees it, with an introspector that looks at one PostgreSQL schema only.
 *
 * The Migrator asks whether its tables exist by listing every table of every schema, and PostgreSQL's
 * introspector resolves each listed column's serial sequence by name. A schema dropped by someone else
 * while that list is read (another application, another Logwarden on the same database, parallel tests)
 * fails the migration with `schema "…" does not exist`, naming a schema that is not ours. Reading the
 * catalog of our own schema by oid avoids both the race and the cost of listing a large database.
 * The Migrator uses `getSchemas` and `getTables` only; `getMetadata` answers the same tables.
 */
export function scopedToSchema(db: Kysely<Database>, schema: string): Kysely<Database> {
  const getTables: DatabaseIntrospector["getTables"] = async () => {
    const { rows } = await sql<{ name: string; kind: string }>`
      select c.relname as name, c.relkind as kind
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v', 'm')`.execute(db);
    return rows.map((r) => ({ name: r.name, schema, isView: r.kind === "v" || r.kind === "m", columns: [] }));
  };
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`
        select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
      return rows;
    },
    getTables,
    async getMetadata() {
      return { tables: await getTables() };
    },
  };
  // Methods are bound to the real instance: Kysely keeps its state in private fields, which a proxy lacks.
  return new Proxy(db, {
    get(target, property) {
      if (property === "introspection") return introspection;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
