import { type Kysely, sql } from "kysely";

/**
 * Issue 50 item 3: a saved state row's JSON, compressed (`packed`), for rows large enough to be worth it.
 * The detectors' shared row grows with the addresses and users seen (about 1 MB of JSON text at a million
 * fresh-valued lines, a ninth of that data dir); compressed it is about a tenth. `value` keeps small rows
 * as they were, and is empty where `packed` holds the row. Rows written before stay readable as text.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  const blob = dialect === "postgres" ? sql`bytea` : sql`blob`;
  await db.schema.alterTable("partition_state").addColumn("packed", blob).execute();
}
