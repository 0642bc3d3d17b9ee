import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/db.js";
import { readPresence } from "../../src/store/repos/server-presence.js";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import { call, connectStdioMcp, textOf } from "./client.js";

let dataDir: string;
let serve: ServeProcess;
let client: Client;
let stderr: () => string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "lw-mcp-beside-"));
  serve = await startServe({ DATA_DIR: dataDir, API_TOKEN: "beside-token" });
  const mcp = await connectStdioMcp({ DATA_DIR: dataDir, MCP_ALLOWED_DIRS: dataDir, LOG_LEVEL: "info" });
  ({ client, stderr } = mcp);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await serve?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const RECORDS = JSON.stringify([{ timestamp: "2026-11-28T10:00:00Z", user: "root", message: "hello" }]);

describe("logwarden mcp beside a running serve on the same store", () => {
  it("only reads: says so, answers searches and in-memory analyses, refuses to store, naming the server", async () => {
    expect(stderr()).toContain("a Logwarden server is running on this store, so this process only reads it");
    const search = await call(client, "search_logs", { limit: 5 });
    expect(search.isError, textOf(search)).toBeFalsy();
    const inMemory = await call(client, "analyze_logs", { log_data: RECORDS });
    expect(inMemory.isError, textOf(inMemory)).toBeFalsy();
    const stored = await call(client, "analyze_logs", { log_data: RECORDS, persist: true });
    expect(stored.isError).toBe(true);
    expect(textOf(stored)).toContain(`(pid ${serve.child.pid} on `);
    expect(textOf(stored)).toContain(`port ${serve.port}) is running on this store`);
  });

  it("is told no server runs once the server has stopped", async () => {
    const store = openStore({ url: join(dataDir, "logwarden.db") });
    try {
      expect(await readPresence(store.db)).toMatchObject({ pid: serve.child.pid, port: serve.port });
      expect(await serve.stop()).toBe(0);
      expect(await readPresence(store.db)).toBeNull();
    } finally {
      await store.close();
    }
  });
});
