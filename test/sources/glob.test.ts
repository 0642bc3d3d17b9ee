import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandGlobs, globBase, globToRegExp } from "../../src/sources/file/glob.js";

describe("glob", () => {
  it("compiles *, ? and ** to segment-aware expressions", () => {
    expect(globToRegExp("/var/log/*.log").test("/var/log/app.log")).toBe(true);
    expect(globToRegExp("/var/log/*.log").test("/var/log/x/app.log")).toBe(false);
    expect(globToRegExp("/var/log/app.?").test("/var/log/app.1")).toBe(true);
    expect(globToRegExp("/var/log/app.?").test("/var/log/app.10")).toBe(false);
    const deep = globToRegExp("/srv/**/*.log");
    expect(deep.test("/srv/a.log")).toBe(true);
    expect(deep.test("/srv/x/y/a.log")).toBe(true);
    expect(deep.test("/srv/x/a.txt")).toBe(false);
    expect(globToRegExp("/a/b+c(1).log").test("/a/b+c(1).log")).toBe(true);
    expect(globBase("/var/log/**/x*.log")).toBe("/var/log");
  });

  it("expands patterns against the file system", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-glob-"));
    mkdirSync(join(dir, "a", "b"), { recursive: true });
    for (const f of ["one.log", "two.log", "notes.txt", "a/three.log", "a/b/four.log"])
      writeFileSync(join(dir, f), "x\n");
    expect(await expandGlobs([join(dir, "*.log")])).toEqual([join(dir, "one.log"), join(dir, "two.log")]);
    expect((await expandGlobs([join(dir, "**/*.log")])).map((p) => p.slice(dir.length + 1))).toEqual([
      "a/b/four.log",
      "a/three.log",
      "one.log",
      "two.log",
    ]);
    expect(await expandGlobs(["*.log"], dir)).toEqual([join(dir, "one.log"), join(dir, "two.log")]);
    // A literal path is kept even before it exists, so it is picked up when it appears.
    expect(await expandGlobs([join(dir, "later.log")])).toEqual([join(dir, "later.log")]);
  });
});
