import { describe, expect, it } from "vitest";
import { postgresAvailable, postgresTestStore } from "../helpers/stores.js";

describe.skipIf(!(await postgresAvailable()))("PostgreSQL: one database, several schemas", () => {
  it("migrates a store in its own schema while another schema already has Logwarden's tables", async () => {
    // Kysely looked the migration tables up in every schema: the first store's lock table was taken
    // for the second's, so the second failed with 'relation "schema_migrations_lock" does not exist'.
    const first = await postgresTestStore();
    try {
      const second = await postgresTestStore();
      try {
        await expect(second.store.ping()).resolves.toBeUndefined();
        expect(await second.store.migrate()).toEqual([]);
      } finally {
        await second.cleanup();
      }
    } finally {
      await first.cleanup();
    }
  });
});
