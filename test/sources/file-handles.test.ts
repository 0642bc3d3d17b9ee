import { existsSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import type { JsonValue } from "../../src/core/json.js";
import type { CheckpointStore, SourceContext } from "../../src/core/source.js";
import { FileSource } from "../../src/sources/file/index.js";
import { waitFor } from "../helpers/wait.js";

/** How many of this process's open descriptors are `path` (Linux's /proc). */
function openDescriptorsOf(path: string): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed between the listing and the read
    }
  }
  return n;
}

/** Checkpoints in memory whose `load` fails while `failing` is set: a store gone away mid-pass. */
function flakyCheckpoints(): CheckpointStore & { failing: boolean } {
  const saved = new Map<string, JsonValue>();
  return {
    failing: true,
    async load(key) {
      if (this.failing) throw new Error("checkpoint store unavailable");
      return saved.get(key);
    },
    async loadPrefix(prefix) {
      return new Map([...saved].filter(([k]) => k.startsWith(prefix)));
    },
    async save(key, value) {
      saved.set(key, value);
    },
    async delete(key) {
      saved.delete(key);
    },
    async committedSubmission() {
      return 0;
    },
  };
}

// A FileHandle left to the garbage collector is an uncaught error on Node 26: a handle the source opened
// must be closed on every path, the failed ones included, not only once it is tracked.
describe.skipIf(!existsSync("/proc/self/fd"))("file source: file handles", () => {
  it("closes a file it opened when resuming it fails, and holds one handle once it reads it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-handles-"));
    const file = join(dir, "app.log");
    writeFileSync(file, "one\ntwo\n");
    const checkpoints = flakyCheckpoints();
    const errors: string[] = [];
    const submitted: string[] = [];
    const ctx: SourceContext = {
      submit: async (records) => {
        for (const r of records) submitted.push(String(r.body));
      },
      checkpoints,
      log: { debug() {}, info() {}, warn() {}, error: (_obj, msg) => errors.push(msg ?? "") },
      clock: systemClock,
    };
    const source = () =>
      new FileSource("files", {
        type: "file",
        paths: [file],
        startAt: "beginning",
        pollMs: 10,
        chunkBytes: 4096,
      });
    // Descriptors are counted between passes: a pass holds the file open while it runs, failed or not,
    // and `stop` waits for the pass under way. A handle a failed pass left open would still be there.
    const failing = source();
    await failing.start(ctx);
    try {
      await waitFor(() => errors.length >= 3, "three failed passes");
    } finally {
      await failing.stop();
    }
    expect(errors[0]).toBe("file source pass failed; retrying");
    expect(openDescriptorsOf(file)).toBe(0);
    checkpoints.failing = false;
    const reading = source();
    await reading.start(ctx);
    try {
      await waitFor(() => submitted.length >= 2, "the file's two lines");
      expect(submitted).toEqual(["one", "two"]);
      // Tracked: open between passes, and never opened a second time.
      expect(openDescriptorsOf(file)).toBe(1);
    } finally {
      await reading.stop();
    }
    expect(openDescriptorsOf(file)).toBe(0);
  });
});
