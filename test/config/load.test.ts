import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { ENV_KEYS } from "../../src/config/schema.js";

describe("config", () => {
  it("has the documented defaults", () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({
      port: 8000,
      host: "127.0.0.1",
      dataDir: "./data",
      logLevel: "info",
      threshold: 0.8,
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.openRoutes).toEqual([]);
    // A decode thread where there is a second core for it (this machine's count, read the same way).
    expect(c.ingest.decodeThreads).toBe(availableParallelism() > 1 ? 1 : 0);
    expect(loadConfig({ env: { INGEST_DECODE_THREADS: "0" } }).ingest.decodeThreads).toBe(0);
  });

  it("layers defaults < file < env < flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-config-"));
    const file = join(dir, "logwarden.yaml");
    writeFileSync(file, "port: 9000\nhost: 0.0.0.0\ndetectors:\n  errorBurst:\n    threshold: 5\n");
    expect(loadConfig({ file, env: {} })).toMatchObject({ port: 9000, host: "0.0.0.0" });
    expect(loadConfig({ file, env: {} }).detectors.errorBurst).toMatchObject({
      threshold: 5,
      windowSecs: 60,
    });
    expect(loadConfig({ file, env: { PORT: "9100" } }).port).toBe(9100);
    expect(loadConfig({ file, env: { PORT: "9100" }, flags: { port: "9200" } }).port).toBe(9200);
    expect(loadConfig({ env: { OPEN_ROUTES: "ingest, meta" } }).openRoutes).toEqual(["ingest", "meta"]);
    expect(loadConfig({ env: { LOG_LEVEL: "DEBUG" } }).logLevel).toBe("debug");
  });

  it("fails fast naming the key, where it came from and what was expected", () => {
    const attempt = (env: Record<string, string>) => {
      try {
        loadConfig({ env });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).message;
      }
      throw new Error("expected a ConfigError");
    };
    expect(attempt({ PORT: "eighty" })).toMatch(/PORT: .*number.*"eighty"/);
    expect(attempt({ PORT: "70000" })).toMatch(/PORT:/);
    expect(attempt({ LOG_LEVEL: "loud" })).toMatch(/LOG_LEVEL:.*"loud"/);
    expect(attempt({ OPEN_ROUTES: "ingest,everything" })).toMatch(/OPEN_ROUTES/);
    expect(attempt({ THRESHOLD: "2" })).toMatch(/THRESHOLD/);
    const both = attempt({ PORT: "x", THRESHOLD: "y" });
    expect(both).toMatch(/PORT/);
    expect(both).toMatch(/THRESHOLD/);
  });

  it("reports a broken config file by name", () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-config-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "port: [1, 2\n");
    expect(() => loadConfig({ file, env: {} })).toThrow(/bad\.yaml/);
    expect(() => loadConfig({ file: join(dir, "missing.yaml"), env: {} })).toThrow(/not found/);
  });

  it("documents every environment key in .env.example", () => {
    const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    for (const key of Object.keys(ENV_KEYS)) expect(example, key).toMatch(new RegExp(`^${key}=`, "m"));
  });
});
