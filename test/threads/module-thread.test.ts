import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const moduleThread = new URL("../../src/threads/module-thread.ts", import.meta.url).href;
const echo = new URL("./echo-thread.ts", import.meta.url).href;
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs a process under tsx with `flags` that starts the echo thread and prints what it sends back. */
function echoUnder(flags: string[]) {
  const script = `const { startModuleThread } = await import(${JSON.stringify(moduleThread)});
const w = startModuleThread(${JSON.stringify(echo)}, "main", { n: 42 });
w.once("message", (m) => { console.log("echo " + JSON.stringify(m)); w.terminate(); });`;
  // A file, not `-e`: `--input-type=module` in the process's flags would be handed to the worker too.
  const dir = mkdtempSync(join(tmpdir(), "module-thread-"));
  try {
    writeFileSync(join(dir, "run.mjs"), script);
    return spawnSync(process.execPath, [...flags, "--import", "tsx", join(dir, "run.mjs")], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("startModuleThread under tsx", () => {
  it("starts the thread with the process's flags", () => {
    const r = echoUnder(["--enable-source-maps"]);
    expect(r.stderr).not.toContain("Error");
    expect(r.stdout).toContain('echo {"n":42}');
    expect(r.status).toBe(0);
  });

  it("starts it without them when a worker refuses a flag given explicitly (node --trace-gc)", () => {
    const r = echoUnder(["--trace-gc"]);
    expect(r.stderr).not.toContain("ERR_WORKER_INVALID_EXEC_ARGV");
    expect(r.stdout).toContain('echo {"n":42}');
    expect(r.status).toBe(0);
  });
});

describe("startModuleThread with LOGWARDEN_THREAD_MODULES", () => {
  const buildWorker = new URL("../../src/store/segments/build-worker.ts", import.meta.url).href;

  /** Starts the build worker's module under `build` (or from its source when `build` lacks it). */
  async function firstMessage(build: string): Promise<unknown> {
    const { startModuleThread } = await import("../../src/threads/module-thread.js");
    const before = process.env.LOGWARDEN_THREAD_MODULES;
    process.env.LOGWARDEN_THREAD_MODULES = build;
    try {
      const w = startModuleThread(buildWorker, "probe", null);
      try {
        return await new Promise((resolve, reject) => {
          w.once("message", resolve);
          w.once("error", reject);
        });
      } finally {
        await w.terminate();
      }
    } finally {
      if (before === undefined) delete process.env.LOGWARDEN_THREAD_MODULES;
      else process.env.LOGWARDEN_THREAD_MODULES = before;
    }
  }

  it("starts a module of src/ from its JavaScript in that build when the build has it", async () => {
    const build = mkdtempSync(join(tmpdir(), "thread-build-"));
    try {
      mkdirSync(join(build, "store", "segments"), { recursive: true });
      writeFileSync(
        join(build, "store", "segments", "build-worker.js"),
        'export function probe(_data, port) { port.postMessage("from the build"); }\n',
      );
      expect(await firstMessage(build)).toBe("from the build");
    } finally {
      rmSync(build, { recursive: true, force: true });
    }
  });

  it("starts it from the source when the build lacks the file (the source has no `probe`: the thread fails)", async () => {
    const empty = mkdtempSync(join(tmpdir(), "thread-build-"));
    try {
      await expect(firstMessage(empty)).rejects.toThrow(/probe|not a function/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
