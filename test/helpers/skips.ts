import { expect } from "vitest";

/**
 * The one line a test file prints when some of its tests skip for want of something this machine lacks:
 * `[skip] <group>: <reason>`, once per test file and line (a helper may be asked in every test). `npm test`
 * counts these lines by group (scripts/failed-tests-reporter.mjs) and lists, at its end, the groups that
 * skipped and in how many files. In CI (`CI` set) the helpers fail instead of calling this.
 */
export function noteSkip(group: string, reason: string): void {
  const line = `[skip] ${group}: ${reason}`;
  const key = `${testFile()}\n${line}`;
  if (noted.has(key)) return;
  noted.add(key);
  console.warn(line);
}

const noted = new Set<string>();

/** The test file being run (the worker's module cache is shared between files: `isolate: false`). */
function testFile(): string {
  try {
    return expect.getState().testPath ?? "";
  } catch {
    return ""; // not under vitest (a bench script)
  }
}
