import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoUtc } from "../../src/core/time.js";
import { writeModelFolder } from "../../src/service/model-dir.js";
import { createToken } from "../../src/store/repos/tokens.js";
import { ADMIN_TOKEN, auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { call, textOf } from "./client.js";

/**
 * Loading models changes what every later analysis and score uses, and another folder than MODEL_DIR
 * points the server at files of the caller's choosing: both doors (POST /models/load and MCP's
 * load_anomaly_models) write it to the audit log with the caller's name. Regression: neither did; the
 * only trace was a log line.
 */

let root: string;
let modelDir: string;
let otherDir: string;
let server: TestServer;
let reloader: string;
const clients: Client[] = [];

async function modelFolder(dir: string, version: string): Promise<void> {
  await writeModelFolder(dir, version, [
    {
      name: "pipeline",
      kind: "processor-state",
      file: "pipeline-state.json",
      content: server.rt.analysis.processor().exportState() as never,
    },
  ]);
}

async function audits() {
  return server.rt.store.db
    .selectFrom("audit_logs")
    .select(["actor", "action", "target", "details"])
    .where("action", "=", "models.load")
    .orderBy("id")
    .execute();
}

async function mcpClient(token: string): Promise<Client> {
  const url = new URL(`http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}/mcp`);
  const client = new Client({ name: "model-load-audit", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  clients.push(client);
  return client;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "lw-model-audit-"));
  modelDir = join(root, "models");
  otherDir = join(root, "other");
  server = await startTestServer({ MODEL_DIR: modelDir });
  await modelFolder(modelDir, "m-1");
  await modelFolder(otherDir, "m-2");
  reloader = (await createToken(server.rt.store.db, "reloader", ["read", "ingest"], isoUtc(Date.now())))
    .token;
  await server.app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("model loads are audited", () => {
  it("POST /models/load: a reload of MODEL_DIR and an admin's other folder are audited; refusals and failures are not", async () => {
    const load = (authorization: string, body?: object) =>
      server.app.inject({
        method: "POST",
        url: "/models/load",
        headers: { authorization },
        ...(body ? { payload: body } : {}),
      });
    expect((await load(`Bearer ${reloader}`)).statusCode).toBe(200);
    expect((await load(`Bearer ${reloader}`, { model_dir: otherDir })).statusCode).toBe(403);
    expect((await load(auth.authorization, { model_dir: join(root, "absent") })).statusCode).toBe(404);
    expect((await load(auth.authorization, { model_dir: otherDir })).statusCode).toBe(200);
    expect(await audits()).toEqual([
      {
        actor: "reloader",
        action: "models.load",
        target: `model_dir:${modelDir}`,
        details: JSON.stringify({ models: ["pipeline"], other_than_model_dir: false }),
      },
      {
        actor: "API_TOKEN",
        action: "models.load",
        target: `model_dir:${otherDir}`,
        details: JSON.stringify({ models: ["pipeline"], other_than_model_dir: true }),
      },
    ]);
  });

  it("load_anomaly_models over HTTP: audited with the token's name; refused without admin for another folder", async () => {
    const before = (await audits()).length;
    const refused = await call(await mcpClient(reloader), "load_anomaly_models", { model_dir: otherDir });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/'admin' scope/);
    expect(await audits()).toHaveLength(before);
    const loaded = await call(await mcpClient(ADMIN_TOKEN), "load_anomaly_models", { model_dir: otherDir });
    expect(loaded.isError, textOf(loaded)).toBeFalsy();
    const added = (await audits()).slice(before);
    expect(added).toEqual([
      {
        actor: "API_TOKEN",
        action: "models.load",
        target: `model_dir:${otherDir}`,
        details: JSON.stringify({ models: ["pipeline"], other_than_model_dir: true }),
      },
    ]);
  });
});
