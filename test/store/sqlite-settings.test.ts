import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { openConfiguredStore, openStore, type Store } from "../../src/store/db.js";
import { sqliteConnectionOf } from "../../src/store/dialect/sqlite.js";
import { keptStatement } from "../../src/store/dialect/statement-cache.js";

describe("SQLite connection settings", () => {
  const opened: Store[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const fileStore = (open: (path: string) => Store) => {
    const dir = mkdtempSync(join(tmpdir(), "logwarden-sqlite-settings-"));
    dirs.push(dir);
    const store = open(join(dir, "logwarden.db"));
    opened.push(store);
    return sqliteConnectionOf(store)!;
  };
  const pragma = (db: NonNullable<ReturnType<typeof sqliteConnectionOf>>, name: string) =>
    keptStatement(db, `pragma ${name}`, "pluck").get() as number | string;

  it("gives each connection a 64 MiB page cache by default, in WAL mode", () => {
    const db = fileStore((path) => openStore({ url: path }));
    expect(pragma(db, "cache_size")).toBe(-64 * 1024);
    expect(pragma(db, "journal_mode")).toBe("wal");
  });

  it("takes SQLITE_CACHE_MB from the config", () => {
    const config = loadConfig({ env: { SQLITE_CACHE_MB: "8" } });
    expect(config.sqliteCacheMb).toBe(8);
    const db = fileStore((path) => openConfiguredStore({ ...config, databaseUrl: path }));
    expect(pragma(db, "cache_size")).toBe(-8 * 1024);
  });

  it("refuses a cache size that is not a positive integer, naming the variable", () => {
    expect(() => loadConfig({ env: { SQLITE_CACHE_MB: "lots" } })).toThrow(/SQLITE_CACHE_MB/);
    expect(() => loadConfig({ env: { SQLITE_CACHE_MB: "0" } })).toThrow(/SQLITE_CACHE_MB/);
  });
});

describe("opening a SQLite file that is not a database", () => {
  it("fails naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "logwarden-sqlite-corrupt-"));
    const path = join(dir, "logwarden.db");
    writeFileSync(path, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    try {
      expect(() => openStore({ url: path })).toThrow(
        `cannot open the SQLite database ${path}: file is not a database`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
