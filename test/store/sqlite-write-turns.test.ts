import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/db.js";
import { WriteTurns } from "../../src/store/dialect/sqlite-write-turns.js";
import { loadState, saveState } from "../../src/store/repos/state.js";
import { sqliteTestStore, type TestStore } from "../helpers/stores.js";

let main: TestStore | undefined;
let taker: Store | undefined;
afterEach(async () => {
  await taker?.close();
  await main?.cleanup();
  main = taker = undefined;
});

const AT = "2026-01-01T00:00:00.000Z";

describe("turns at the SQLite write lock between two connections (sqlite-write-turns.ts)", () => {
  it("a connection that asked while the other's transaction was open writes before that one's next transaction", async () => {
    main = await sqliteTestStore();
    const turns = main.store.dialect.writeTurns;
    expect(turns).toBeInstanceOf(SharedArrayBuffer);
    taker = openStore({ url: main.store.location, sqliteWriteTurns: turns });
    // The taker gives no turns of its own.
    expect(taker.dialect.writeTurns).toBeUndefined();
    const order: string[] = [];
    let releaseA: () => void = () => {};
    const aHolds = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    let aBegan: () => void = () => {};
    const aOpen = new Promise<void>((resolve) => {
      aBegan = resolve;
    });
    const a = main.store.transaction(async (tx) => {
      aBegan();
      await aHolds;
      await saveState(tx.db, "a", 1, AT);
      order.push("a");
    });
    await aOpen;
    // Asks while A holds the lock: it waits for A without blocking this thread in SQLite's busy handler
    // (which, on one thread, would wait out its whole timeout and fail).
    const t = taker.transaction(async (tx) => {
      await saveState(tx.db, "t", 1, AT);
      order.push("t");
    });
    releaseA();
    await a;
    // The event loop's next transaction begins at once, before the waiting taker has run again: it holds off.
    const b = main.store.transaction(async (tx) => {
      order.push("b begins");
      await saveState(tx.db, "b", 1, AT);
    });
    await Promise.all([t, b]);
    expect(order).toEqual(["a", "t", "b begins"]);
    for (const key of ["a", "t", "b"]) expect(await loadState(main.store.db, key)).toBe(1);
  });

  it("a failed transaction on either side gives the turn back", async () => {
    main = await sqliteTestStore();
    taker = openStore({ url: main.store.location, sqliteWriteTurns: main.store.dialect.writeTurns });
    await expect(
      taker.transaction(async () => {
        throw new Error("seal failed");
      }),
    ).rejects.toThrow("seal failed");
    await expect(
      main.store.transaction(async () => {
        throw new Error("batch failed");
      }),
    ).rejects.toThrow("batch failed");
    // Neither side waits now: both write straight away, one after the other.
    const started = performance.now();
    await taker.transaction((tx) => saveState(tx.db, "t", 1, AT));
    await main.store.transaction((tx) => saveState(tx.db, "m", 1, AT));
    expect(performance.now() - started).toBeLessThan(900);
  });

  it("a turn asked for and never ended (its thread died) holds the other side off once, for its limit only", async () => {
    const yielder = new WriteTurns(undefined, { yieldMaxMs: 50 });
    const deadTaker = new WriteTurns(yielder.buffer);
    await deadTaker.beforeTakerBegins();
    const first = performance.now();
    await yielder.beforeYielderBegins();
    expect(performance.now() - first).toBeGreaterThanOrEqual(40);
    yielder.afterYielderEnds();
    // The stale request was cleared: the next transaction goes ahead without waiting for anything.
    const next = await Promise.race([
      yielder.beforeYielderBegins().then(() => "at once"),
      new Promise((resolve) => setImmediate(() => resolve("waited"))),
    ]);
    expect(next).toBe("at once");
  });
});
