import { sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openPostgres } from "../../src/store/dialect/postgres.js";
import { postgresAvailable, TEST_PG_URL } from "../helpers/stores.js";

/**
 * Regression: a cluster node died when PostgreSQL stopped under it ("Unhandled 'error' event ... terminating
 * connection due to administrator command", test/cluster/cluster-dependency-restart.test.ts). The server
 * ended the connection of a client checked out of the pool, between two statements of a transaction; the
 * pool listens for that only on its idle clients. pg_terminate_backend sends the same message.
 */
describe("the store's PostgreSQL pool when the server ends a connection", () => {
  it("fails the transaction that held it, keeps the process up, and answers the next query on a new connection", async (ctx) => {
    if (!(await postgresAvailable())) return ctx.skip();
    const { db, close } = openPostgres(TEST_PG_URL);
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      let victim = 0;
      const failed = db
        .transaction()
        .execute(async (trx) => {
          victim = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
          await admin.query("select pg_terminate_backend($1)", [victim]);
          // The termination arrives while the client is checked out and idle: the "error" event.
          await new Promise((resolve) => setTimeout(resolve, 300));
          await sql`select 1`.execute(trx);
        })
        .then(
          () => "committed",
          (error: unknown) => (error as Error).message,
        );
      expect(await failed).not.toBe("committed");
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
      expect(rows[0]!.pid).not.toBe(victim);
    } finally {
      await admin.end();
      await close();
    }
  });
});
