import { describe, expect, it } from "vitest";
import {
  cachingDatabase,
  KEEP_FOREVER,
  keptStatement,
  MAX_STATEMENTS,
  openKeptDatabase,
} from "../../src/store/dialect/statement-cache.js";

describe("kept statements", () => {
  it("prepares each SQL text once per mode and keeps it, in the mode asked for", () => {
    const db = openKeptDatabase(":memory:");
    db.exec("create table t (a integer, b text); insert into t values (1, 'x'), (2, 'y')");
    const sql = "select a, b from t order by a";
    const rows = keptStatement(db, sql);
    expect(keptStatement(db, sql)).toBe(rows);
    expect(rows.all()).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: "y" },
    ]);
    const raw = keptStatement(db, sql, "raw");
    expect(raw).not.toBe(rows);
    expect(raw.all()).toEqual([
      [1, "x"],
      [2, "y"],
    ]);
    expect(keptStatement(db, sql, "pluck").all()).toEqual([1, 2]);
    // Kysely's view of the connection hands out the same kept statements.
    expect(cachingDatabase(db).prepare(sql)).toBe(rows);
    db.close();
  });

  it(`${KEEP_FOREVER ? "keeps every statement (Node 24)" : `keeps the ${MAX_STATEMENTS} most recently used statements`}`, () => {
    const db = openKeptDatabase(":memory:");
    const first = keptStatement(db, "select 0");
    for (let i = 1; i <= MAX_STATEMENTS; i++) keptStatement(db, `select ${i}`);
    // Past the cap the oldest is dropped below Node 24 (prepared again on next use), kept on 24.
    expect(keptStatement(db, "select 0") === first).toBe(KEEP_FOREVER);
    db.close();
  });
});
