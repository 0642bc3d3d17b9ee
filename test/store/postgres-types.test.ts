import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable, postgresTestStore, TEST_PG_URL, type TestStore } from "../helpers/stores.js";

describe("PostgreSQL type parsing is the store pool's own", () => {
  let t: TestStore | undefined;
  beforeAll(async () => {
    if (!(await postgresAvailable())) return;
    t = await postgresTestStore();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("reads bigint as a number through the store, while another pg client keeps pg's default text", async ({
    skip,
  }) => {
    if (!t) return skip();
    const { rows } = await sql<{ n: unknown }>`select cast(9007199254740991 as bigint) as n`.execute(
      t.store.db,
    );
    expect(rows[0]?.n).toBe(9007199254740991);
    // Opening the store set nothing process-wide: a client of its own (the PostgreSQL log source's pool,
    // a test's admin connection) gets bigint as pg returns it, exact text.
    const other = new pg.Client({ connectionString: TEST_PG_URL });
    await other.connect();
    try {
      const result = await other.query("select cast(9007199254740993 as bigint) as n");
      expect(result.rows[0].n).toBe("9007199254740993");
    } finally {
      await other.end();
    }
  });
});
