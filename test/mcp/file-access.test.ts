import { execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLogFile } from "../../src/mcp/file-access.js";

let root: string;
let logs: string;

async function read(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  let out = "";
  for await (const c of chunks) out += Buffer.from(c).toString();
  return out;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "lw-mcp-files-"));
  logs = join(root, "logs");
  mkdirSync(join(logs, "nested"), { recursive: true });
  mkdirSync(join(root, "logs-old"));
  writeFileSync(join(logs, "nested", "a.log"), "line one\n");
  writeFileSync(join(root, "logs-old", "b.log"), "not yours\n");
  // A link that stays inside is fine; the check is on where it resolves.
  symlinkSync(join(logs, "nested", "a.log"), join(logs, "inside-link.log"));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("openLogFile", () => {
  const policy = () => ({ allowedDirs: [logs], maxFileBytes: 1000 });

  it("opens files inside an allowed folder, by absolute or relative path, and through inside links", async () => {
    expect(await read((await openLogFile(policy(), join(logs, "nested", "a.log"))).chunks)).toBe(
      "line one\n",
    );
    expect(await read((await openLogFile(policy(), "nested/a.log")).chunks)).toBe("line one\n");
    const linked = await openLogFile(policy(), "inside-link.log");
    expect(linked.path).toBe(join(logs, "nested", "a.log"));
    // Not read: closed explicitly (a handle left to the collector is an uncaught error on Node 26).
    await linked.close();
    await linked.close();
  });

  it("refuses a sibling folder that shares the prefix, '..' in any form, and NUL bytes", async () => {
    await expect(openLogFile(policy(), join(root, "logs-old", "b.log"))).rejects.toThrow(
      /outside the folders/,
    );
    await expect(openLogFile(policy(), "nested/../../logs-old/b.log")).rejects.toThrow(/'\.\.'/);
    await expect(openLogFile(policy(), "..\\logs-old\\b.log")).rejects.toThrow(/'\.\.'/);
    await expect(openLogFile(policy(), "a.log\0.txt")).rejects.toThrow(/NUL/);
  });

  it("refuses everything when no allowed folder exists, and files over the size limit", async () => {
    await expect(
      openLogFile({ allowedDirs: [join(root, "none")], maxFileBytes: 10 }, "a.log"),
    ).rejects.toThrow(/disabled/);
    await expect(openLogFile({ allowedDirs: [logs], maxFileBytes: 5 }, "nested/a.log")).rejects.toMatchObject(
      {
        statusCode: 413,
      },
    );
  });

  it("answers the same for a path outside whether it exists or not (no probing the server's files)", async () => {
    // Regression: /etc/passwd was 403 "outside" and /etc/no-such-file 404 "no such file".
    const exists = await openLogFile(policy(), join(root, "logs-old", "b.log")).catch((e: Error) => e);
    const missing = await openLogFile(policy(), join(root, "logs-old", "none.log")).catch((e: Error) => e);
    expect(missing).toMatchObject({ statusCode: 403 });
    expect(exists).toMatchObject({ statusCode: 403 });
    expect((missing as Error).message.replace("none.log", "b.log")).toBe((exists as Error).message);
  });

  it("refuses a FIFO at once instead of waiting for a writer", async () => {
    // Regression: open(2) of a FIFO for reading blocked until a writer came, holding a libuv thread
    // (and the process's exit); four such calls stalled all of the server's file I/O.
    const fifo = join(logs, "pipe.log");
    execFileSync("mkfifo", [fifo]);
    const attempt = openLogFile(policy(), "pipe.log").catch((e: Error) => e);
    const verdict = await Promise.race([
      attempt,
      new Promise<"blocked">((done) => setTimeout(() => done("blocked"), 2000)),
    ]);
    if (verdict === "blocked") {
      // Let the stuck open return (a writer arrives) so the failure does not hang the test run.
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      await attempt;
    }
    expect(verdict).toMatchObject({ message: expect.stringMatching(/not a regular file/) });
  });

  it("never reads outside when a file or folder is swapped for a link between the check and the open", async () => {
    // Regression: realpath, then open of the path it returned. A file renamed over by a link to
    // outside (or a folder moved away and a link put in its place) in between was opened where the
    // link pointed: 42 of 3,000 calls read the outside file, 207 of 3,000 with the folder swap.
    const arena = join(root, "race");
    const outsideDir = join(root, "race-outside");
    mkdirSync(join(arena, "sub"), { recursive: true });
    mkdirSync(outsideDir);
    writeFileSync(join(outsideDir, "swap.log"), "SECRET\n");
    writeFileSync(join(outsideDir, "x.log"), "SECRET\n");
    writeFileSync(join(arena, "swap.log"), "inside\n");
    writeFileSync(join(arena, "sub", "x.log"), "inside\n");
    const a = JSON.stringify(arena);
    const o = JSON.stringify(outsideDir);
    // One process swaps the file, the other the folder, as fast as they can.
    const swappers = [
      `for (;;) { try { fs.symlinkSync(${o} + "/swap.log", ${a} + "/l"); fs.renameSync(${a} + "/l", ${a} + "/swap.log");` +
        ` fs.writeFileSync(${a} + "/f", "inside\\n"); fs.renameSync(${a} + "/f", ${a} + "/swap.log"); } catch {} }`,
      `for (;;) { try { fs.renameSync(${a} + "/sub", ${a} + "/away"); fs.symlinkSync(${o}, ${a} + "/sub");` +
        ` fs.unlinkSync(${a} + "/sub"); fs.renameSync(${a} + "/away", ${a} + "/sub"); } catch {} }`,
    ].map((code) =>
      spawn(process.execPath, ["-e", `const fs = require("node:fs"); ${code}`], { stdio: "ignore" }),
    );
    const outcomes: Record<string, number> = {};
    try {
      await new Promise((done) => setTimeout(done, 200));
      for (let i = 0; i < 2000; i++) {
        for (const path of ["swap.log", "sub/x.log"]) {
          let outcome: string;
          try {
            const file = await openLogFile({ allowedDirs: [arena], maxFileBytes: 100 }, path);
            outcome = (await read(file.chunks)).trim();
          } catch (error) {
            outcome = String((error as { statusCode?: number }).statusCode);
          }
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        }
      }
    } finally {
      for (const swapper of swappers) swapper.kill();
    }
    expect(outcomes.SECRET, JSON.stringify(outcomes)).toBeUndefined();
    // The race was on: links were met (refused) while the files were also read.
    expect(outcomes["403"], JSON.stringify(outcomes)).toBeGreaterThan(0);
  }, 60_000);
});
