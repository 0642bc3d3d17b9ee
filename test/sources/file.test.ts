import {
  appendFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FileSourceConfig } from "../../src/config/source-schema.js";
import { type RunningSources, startSources } from "../../src/runtime/source-runner.js";
import { FileSource } from "../../src/sources/file/index.js";
import { committedSubmission } from "../../src/store/repos/ingest-batches.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { allStoredRecords, asTableRow } from "../helpers/stored-logs.js";
import { waitFor } from "../helpers/wait.js";

let server: TestServer;
let running: RunningSources | undefined;
let dir: string;

beforeEach(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), "lw-tail-"));
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(paths: string[], extra: Partial<FileSourceConfig> = {}): FileSourceConfig {
  return { type: "file", paths, startAt: "beginning", pollMs: 20, chunkBytes: 4096, ...extra };
}

let source: FileSource | undefined;

async function start(paths: string[], extra: Partial<FileSourceConfig> = {}) {
  source = new FileSource("files", config(paths, extra));
  running = await startSources(server.rt, [source]);
}

async function stopSource() {
  await running?.stop();
  running = undefined;
}

/**
 * Waits until a whole pass of the source has begun and ended since now (the one under way may have begun
 * before): whatever the files held by then has been read and stored, so what is missing stays missing.
 */
async function settled(): Promise<void> {
  const tailer = source!;
  const from = tailer.passes;
  await waitFor(() => tailer.passes >= from + 2, "two more passes of the file source");
}

async function messages(): Promise<string[]> {
  return (await allStoredRecords(server.rt.logs)).map((r) => r.message);
}

async function until(n: number): Promise<string[]> {
  return waitFor(async () => {
    const m = await messages();
    return m.length >= n ? m : null;
  }, `${n} stored lines`);
}

const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line-${from + i} something happened`);

describe("file source", () => {
  it("tails appends, waits for a line's newline, and tags records with path and service", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, `${lines(1, 3).join("\n")}\n`);
    await start([join(dir, "*.log")]);
    await until(3);
    appendFileSync(file, "line-4 half");
    await settled();
    expect(await messages()).toHaveLength(3);
    appendFileSync(file, " written\n");
    expect(await until(4)).toEqual([...lines(1, 3), "line-4 half written"]);
    const row = asTableRow((await allStoredRecords(server.rt.logs)).at(-1)!);
    expect(row.service).toBe("app.log");
    expect(JSON.parse(row.metadata)).toMatchObject({ "log.file.path": file, "logwarden.source": "files" });
  });

  it("survives rotation: drains the renamed file, then reads the new one from its start", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, `${lines(1, 5).join("\n")}\n`);
    await start([file]);
    await until(5);
    // Written after the last poll and before the rename: only reachable through the open handle.
    appendFileSync(file, `${lines(6, 8).join("\n")}\n`);
    renameSync(file, `${file}.1`);
    writeFileSync(file, `${lines(9, 10).join("\n")}\n`);
    expect(await until(10)).toEqual(lines(1, 10));
    await settled();
    expect(await messages()).toHaveLength(10);
  });

  it("follows a rotated file that the glob still matches without reading it twice", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, `${lines(1, 4).join("\n")}\n`);
    await start([join(dir, "app.log*")]);
    await until(4);
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, `${lines(5, 5).join("\n")}\n`);
    writeFileSync(file, `${lines(6, 7).join("\n")}\n`);
    const got = await until(7);
    expect([...got].sort()).toEqual(lines(1, 7).sort());
    await settled();
    expect(await messages()).toHaveLength(7);
  });

  it("starts over after a truncation", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, `${lines(1, 3).join("\n")}\n`);
    await start([file]);
    await until(3);
    truncateSync(file, 0);
    await settled();
    appendFileSync(file, `${lines(4, 4).join("\n")}\n`);
    expect(await until(4)).toEqual(lines(1, 4));
  });

  it("resumes from its checkpoint after a restart: nothing skipped, nothing repeated", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, `${lines(1, 50).join("\n")}\n`);
    await start([file], { chunkBytes: 1024 });
    await until(50);
    await stopSource();
    appendFileSync(file, `${lines(51, 60).join("\n")}\n`);
    await start([file], { chunkBytes: 1024 });
    expect(await until(60)).toEqual(lines(1, 60));
    await settled();
    expect(await messages()).toHaveLength(60);
  });

  it("settles a batch that was submitted just before a crash from what the store holds", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, `${lines(1, 4).join("\n")}\n`);
    await start([file]);
    await until(4);
    await stopSource();
    const cps = await server.rt.store.db
      .selectFrom("state")
      .selectAll()
      .where("key", "like", "source:file:%")
      .execute();
    expect(cps).toHaveLength(1);
    const cp = JSON.parse(cps[0]!.value) as { offset: number };
    // Lines 1–4 went in one submission, the source's first; its number was committed with them.
    expect(await committedSubmission(server.rt.store.db, "file:files")).toBe(1);
    // As if the process died after the pipeline committed lines 1–4 but before the offset was saved.
    const crashed = { ...cp, offset: 0, pending: { to: cp.offset, submission: 1 } };
    await server.rt.store.db
      .updateTable("state")
      .set({ value: JSON.stringify(crashed) })
      .where("key", "=", cps[0]!.key)
      .execute();
    appendFileSync(file, `${lines(5, 5).join("\n")}\n`);
    await start([file]);
    expect(await until(5)).toEqual(lines(1, 5));
    await settled();
    expect(await messages()).toHaveLength(5);
  });

  it("re-reads a batch that was submitted just before a crash but never committed", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, `${lines(1, 2).join("\n")}\n`);
    await start([file]);
    await until(2);
    await stopSource();
    appendFileSync(file, `${lines(3, 4).join("\n")}\n`);
    const [cp] = await server.rt.store.db
      .selectFrom("state")
      .selectAll()
      .where("key", "like", "source:file:%")
      .execute();
    const saved = JSON.parse(cp!.value) as { offset: number };
    const committed = await committedSubmission(server.rt.store.db, "file:files");
    // The intent for lines 3–4 was saved, then the process died before the pipeline committed them.
    const crashed = { ...saved, pending: { to: saved.offset + 999, submission: committed + 1 } };
    await server.rt.store.db
      .updateTable("state")
      .set({ value: JSON.stringify(crashed) })
      .where("key", "=", cp!.key)
      .execute();
    await start([file]);
    expect(await until(4)).toEqual(lines(1, 4));
    await settled();
    expect(await messages()).toHaveLength(4);
  });

  it("is not fooled by a record from another door that carries its name (settled by submission number)", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, `${lines(1, 2).join("\n")}\n`);
    await start([file]);
    await until(2);
    await stopSource();
    appendFileSync(file, `${lines(3, 4).join("\n")}\n`);
    const [cp] = await server.rt.store.db
      .selectFrom("state")
      .selectAll()
      .where("key", "like", "source:file:%")
      .execute();
    const saved = JSON.parse(cp!.value) as { offset: number };
    const committed = await committedSubmission(server.rt.store.db, "file:files");
    // The intent for lines 3–4 was saved and the process died before they were committed; meanwhile a
    // client re-sent an export of this source's lines over HTTP, attribute included. Settling by
    // "a row of this source after max(logs.id)" took that row for the batch and skipped lines 3–4.
    const crashed = { ...saved, pending: { to: statSync(file).size, submission: committed + 1 } };
    await server.rt.store.db
      .updateTable("state")
      .set({ value: JSON.stringify(crashed) })
      .where("key", "=", cp!.key)
      .execute();
    const res = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: [{ service: "app.log", message: "re-sent export", metadata: { "logwarden.source": "files" } }],
    });
    expect(res.statusCode).toBeLessThan(300);
    await start([file]);
    await until(5);
    await settled();
    const stored = await messages();
    expect(stored.filter((m) => m.startsWith("line-"))).toEqual(lines(1, 4));
    expect(stored).toHaveLength(5);
  });

  it("reads a gzip file whole, once", async () => {
    writeFileSync(join(dir, "old.log.gz"), gzipSync(`${lines(1, 20).join("\n")}\n`));
    const old = new Date(Date.now() - 60_000);
    const { utimesSync } = await import("node:fs");
    utimesSync(join(dir, "old.log.gz"), old, old);
    await start([join(dir, "*.gz")], { chunkBytes: 1024 });
    expect(await until(20)).toEqual(lines(1, 20));
    await stopSource();
    await start([join(dir, "*.gz")], { chunkBytes: 1024 });
    await settled();
    expect(await messages()).toHaveLength(20);
    const row = (await allStoredRecords(server.rt.logs))[0]!;
    expect(row.service).toBe("old.log");
  });

  it("starts at the end of existing files when asked, and at the start of files that appear later", async () => {
    writeFileSync(join(dir, "a.log"), `${lines(1, 3).join("\n")}\n`);
    await start([join(dir, "*.log")], { startAt: "end" });
    await settled();
    appendFileSync(join(dir, "a.log"), "line-4 new\n");
    writeFileSync(join(dir, "b.log"), "line-5 new file\n");
    const got = await until(2);
    expect([...got].sort()).toEqual(["line-4 new", "line-5 new file"]);
  });
});
