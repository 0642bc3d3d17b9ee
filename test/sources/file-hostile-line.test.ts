import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DECODE_NOTE } from "../../src/core/input-budget.js";
import { type RunningSources, startSources } from "../../src/runtime/source-runner.js";
import { FileSource } from "../../src/sources/file/index.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { allStoredRecords, asTableRow } from "../helpers/stored-logs.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Issue 49: one line appended to a watched file used to blind the source for good. The line nests 4,500
 * arrays, past any recursive walk's stack: "reading file failed … Maximum call stack size exceeded", the
 * offset never moved past it, later lines (an sshd "Failed password" among them) were never read, across
 * restarts too, and /health said healthy.
 */
const HOSTILE = `{"a":${"[".repeat(4500)}${"]".repeat(4500)}}`;
const FAILED_PASSWORD = "sshd[2201]: Failed password for root from 203.0.113.9 port 52144 ssh2";

let server: TestServer | undefined;
let running: RunningSources | undefined;
let dir: string | undefined;

afterEach(async () => {
  await running?.stop();
  running = undefined;
  await server?.close();
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function startSource(s: TestServer, path: string): Promise<void> {
  const source = new FileSource("app-files", {
    type: "file",
    paths: [path],
    startAt: "beginning",
    pollMs: 20,
    chunkBytes: 64 * 1024,
  });
  running = await startSources(s.rt, [source]);
}

async function storedMessages(s: TestServer): Promise<{ message: string; metadata: string }[]> {
  return (await allStoredRecords(s.rt.logs)).map((r) => ({
    message: r.message,
    metadata: asTableRow(r).metadata,
  }));
}

async function until(s: TestServer, n: number) {
  return waitFor(async () => {
    const rows = await storedMessages(s);
    return rows.length >= n ? rows : null;
  }, `${n} stored lines`);
}

describe("a file source given a line past the input budget", () => {
  it("stores it as text, reads on past it (across a restart), and /health and /metrics show the skip", async () => {
    dir = mkdtempSync(join(tmpdir(), "lw-hostile-file-"));
    const file = join(dir, "auth.log");
    writeFileSync(file, `first normal line\n${HOSTILE}\n${FAILED_PASSWORD}\nafter the hostile line\n`);
    server = await startTestServer({}, { dataDir: mkdtempSync(join(tmpdir(), "lw-hostile-store-")) });
    await startSource(server, file);

    const rows = await until(server, 4);
    expect(rows.map((r) => r.message)).toContain("after the hostile line");
    expect(rows.some((r) => r.message.includes("Failed password for root"))).toBe(true);
    const kept = rows.find((r) => r.message.includes("[[[["))!;
    expect(kept.message.length).toBeGreaterThanOrEqual(HOSTILE.length - 10);
    expect(JSON.parse(kept.metadata)[DECODE_NOTE]).toBe("JSON nested deeper than 128 levels; kept as text");

    const health = await server.app.inject({ method: "GET", url: "/health" });
    expect(health.statusCode).toBe(200);
    expect(health.json().sources["app-files"]).toMatchObject({
      status: "degraded",
      kept_as_text: 1,
      last_reason: "JSON nested deeper than 128 levels; kept as text",
    });
    const metrics = await server.app.inject({ method: "GET", url: "/metrics", headers: auth });
    expect(metrics.body).toMatch(/logwarden_source_lines_kept_as_text_total\{source="app-files"\} 1/);

    // A restart of the process: the offset is past the hostile line, so only what comes after is read.
    await running!.stop();
    running = undefined;
    const dataDir = server.dataDir;
    await server.close(false);
    appendFileSync(file, `${HOSTILE}\nline after the restart\n`);
    server = await startTestServer({}, { dataDir });
    await startSource(server, file);
    const again = await until(server, 6);
    expect(again.map((r) => r.message).slice(4)).toEqual([
      expect.stringContaining("[[[["),
      "line after the restart",
    ]);
  });
});
