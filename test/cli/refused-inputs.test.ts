import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

/** Commands that must say no rather than answer as if all were well (issue 47). */
describe("CLI refusals", () => {
  const dir = mkdtempSync(join(tmpdir(), "logwarden-refused-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("analyze refuses a binary file, as the upload API does, and exits 1", async () => {
    const file = join(dir, "some.bin");
    // An ELF header, then bytes no text holds.
    const bytes = Buffer.alloc(4096);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    for (let i = 16; i < bytes.length; i++) bytes[i] = (i * 37) % 256;
    writeFileSync(file, bytes);
    const r = await runCli(["analyze", file, "--format", "json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is binary, not a log");
    expect(r.stdout).toBe("");
  });

  it("reading commands refuse a data directory with no database, and create none there", async () => {
    const missing = join(dir, "no", "such", "dir");
    for (const args of [
      ["logs", "search", "foo"],
      ["logs", "export"],
      ["anomalies", "incidents"],
      ["suppressions", "list"],
      ["token", "list"],
    ]) {
      const r = await runCli([...args, "--data-dir", missing]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toContain(`no database at ${join(missing, "logwarden.db")}`);
    }
    expect(existsSync(missing)).toBe(false);
  });
});
