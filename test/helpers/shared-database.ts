import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { openStore, type Store } from "../../src/store/db.js";
import { createTestSchema, TEST_PG_URL } from "./stores.js";

/** One database that several stores open, each with its own connections, as several processes would. */
export interface SharedDatabase {
  /** What `openStore` takes: another thread or process opens the same database with it. */
  readonly url: string;
  open(): Store;
  cleanup(): Promise<void>;
}

function sqliteShared(): SharedDatabase {
  const dir = mkdtempSync(join(tmpdir(), "logwarden-shared-"));
  const file = join(dir, "shared.db");
  return {
    url: file,
    open: () => openStore({ url: file }),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresShared(): Promise<SharedDatabase> {
  const schema = `shared_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = (await createTestSchema(schema)).toString();
  return {
    url,
    open: () => openStore({ url }),
    async cleanup() {
      const admin = openStore({ url: TEST_PG_URL });
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
      await admin.close();
    },
  };
}

/** One shared database per dialect, for `describe.each`; PostgreSQL cases skip when none answers. */
export const sharedDatabaseCases = [
  { name: "sqlite", shared: async () => sqliteShared(), needsPostgres: false },
  { name: "postgres", shared: postgresShared, needsPostgres: true },
] as const;
