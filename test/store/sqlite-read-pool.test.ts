import { existsSync, readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { sqliteTestStore, type TestStore } from "../helpers/stores.js";

// A query that keeps SQLite busy for about a second without any data: a recursive count.
const SLOW_COUNT = sql<{
  n: number;
}>`with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000000) select count(*) as n from c`;

describe("Store.reader on a SQLite file with read threads", () => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it("runs a long query off the event loop: timers keep firing while it runs", async () => {
    t = await sqliteTestStore(1);
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    const { rows } = await SLOW_COUNT.execute(t.store.reader.db);
    const took = performance.now() - started;
    clearInterval(timer);
    expect(rows[0]?.n).toBe(2_000_000);
    // Meaningful only if the query itself took long; on the main connection the gap equals its duration.
    expect(took).toBeGreaterThan(200);
    expect(longestGap).toBeLessThan(took / 2);
  });

  it("sees every transaction committed before the read, and none still open", async () => {
    t = await sqliteTestStore(2);
    const store = t.store;
    const count = async () =>
      Number(
        (
          await store.reader.db
            .selectFrom("state")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirst()
        )?.n,
      );
    const before = await count();
    await store.transaction((tx) =>
      tx.db
        .insertInto("state")
        .values({ key: "read-pool-test", value: "{}", updated_at: "2026-01-01T00:00:00Z" })
        .execute(),
    );
    expect(await count()).toBe(before + 1);
  });

  it("refuses writes with a clear error and keeps answering reads", async () => {
    t = await sqliteTestStore(1);
    await expect(
      t.store.reader.db
        .insertInto("state")
        .values({ key: "x", value: "{}", updated_at: "2026-01-01T00:00:00Z" })
        .execute(),
    ).rejects.toThrow(/only statements that return rows|readonly|query_only/i);
    const ok = await sql<{ one: number }>`select 1 as one`.execute(t.store.reader.db);
    expect(ok.rows[0]?.one).toBe(1);
  });

  it("reports SQL errors to the caller without losing the thread", async () => {
    t = await sqliteTestStore(1);
    await expect(sql`select * from no_such_table`.execute(t.store.reader.db)).rejects.toThrow(
      /no such table/,
    );
    const ok = await sql<{ one: number }>`select 1 as one`.execute(t.store.reader.db);
    expect(ok.rows[0]?.one).toBe(1);
  });

  it("fails queries after close instead of hanging", async () => {
    t = await sqliteTestStore(1);
    const reader = t.store.reader.db;
    await sql`select 1`.execute(reader);
    await t.cleanup();
    t = undefined;
    await expect(sql`select 1`.execute(reader)).rejects.toThrow();
  });

  it("is the store's own connection when no read threads are configured", async () => {
    t = await sqliteTestStore(0);
    expect(t.store.reader.db).toBe(t.store.db);
  });

  it.runIf(existsSync("/proc/thread-self"))(
    "runs its threads below the process's priority, the process unchanged",
    async () => {
      const before = getPriority();
      t = await sqliteTestStore(1);
      // Any answer shows the thread is up, and a thread lowers itself as it starts. The long count took
      // 11 s here at that priority under the suite's load, close to the 30 s timeout on a slower machine.
      await sql`select 1`.execute(t.store.reader.db);
      // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value; the name in field 2 may hold spaces.
      const niceOf = (tid: string) =>
        Number(readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
      // Nice values stop at 19: a process already started under `nice -n 10` gets threads at 19, not 20.
      const lowered = readdirSync("/proc/self/task").filter(
        (tid) => niceOf(tid) >= Math.min(19, before + 10),
      );
      expect(lowered.length).toBeGreaterThanOrEqual(1);
      expect(getPriority()).toBe(before);
    },
  );
});
