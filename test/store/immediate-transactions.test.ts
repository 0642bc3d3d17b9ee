import { afterEach, describe, expect, it } from "vitest";
import { keptStatement, openKeptDatabase } from "../../src/store/dialect/statement-cache.js";
import { loadState, saveState } from "../../src/store/repos/state.js";
import { sqliteTestStore, type TestStore } from "../helpers/stores.js";

let store: TestStore | undefined;
afterEach(async () => {
  await store?.cleanup();
  store = undefined;
});

describe("SQLite transactions with another process writing the same file", () => {
  it("a transaction that reads and then writes commits, because it took the write lock first", async () => {
    store = await sqliteTestStore();
    const db = store.store.db;
    await saveState(db, "k", { v: 1 }, "2026-01-01T00:00:00.000Z");
    const other = openKeptDatabase(store.store.location, { timeout: 0 });
    let otherWrote = true;
    try {
      await db.transaction().execute(async (trx) => {
        const before = await loadState(trx, "k");
        // Another process tries to write meanwhile: it must wait for us (here it gives up at once)
        // instead of committing under our read and making our write fail with SQLITE_BUSY.
        try {
          keptStatement(other, "insert into state (key, value, updated_at) values ('x', '1', 'now')").run();
        } catch (error) {
          otherWrote = false;
          expect((error as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
        }
        await saveState(trx, "k", { v: (before as { v: number }).v + 1 }, "2026-01-01T00:00:01.000Z");
      });
    } finally {
      other.close();
    }
    expect(otherWrote).toBe(false);
    expect(await loadState(db, "k")).toEqual({ v: 2 });
  });
});
