import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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

  it("is the only way into better-sqlite3 for code that runs on every Node leg", () => {
    // One raw `new Database(…)` whose statements are dropped aborts a test worker on Node 24 (a test did,
    // and failed CI's Node 24 leg). test/reliability and test/cluster run on the default Node only.
    const defaultNodeOnly = /^test\/(reliability|cluster)\//;
    const allowed = new Set(["src/store/dialect/statement-cache.ts"]);
    const offenders = [...sourceFiles("src"), ...sourceFiles("test")].filter(
      (file) =>
        !allowed.has(file) &&
        !defaultNodeOnly.test(file) &&
        /^import (?!type )[^;]*from "better-sqlite3"/m.test(readFileSync(file, "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") || name.endsWith(".tsx"))
    .map((name) => join(dir, name).split("\\").join("/"));
}
