import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../helpers/runtime.js";
import { textOf } from "../mcp/client.js";
import { INTERNALS } from "./auth-matrix-cases.js";

/**
 * Issue 17: analyze_log_file reads only inside MCP_ALLOWED_DIRS, called the way an assistant calls it
 * (the SDK client over HTTP, an admin token, so no scope stands in the way). Every escape below must
 * be refused, and no answer may carry a byte of the file outside.
 */

const SECRET = "TOP-SECRET-MARKER-9f1c";
const INSIDE = "inside line for the matrix";

let root: string;
let allowed: string;
let server: TestServer;
let client: Client;

async function analyze(filepath: string): Promise<CallToolResult> {
  return (await client.callTool({ name: "analyze_log_file", arguments: { filepath } })) as CallToolResult;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "lw-mcp-confine-"));
  allowed = join(root, "allowed");
  const outside = join(root, "outside");
  const aliased = join(root, "aliased-target");
  for (const dir of [
    join(allowed, "nested"),
    join(allowed, "subdir"),
    outside,
    join(root, "allowed-old"),
    aliased,
  ])
    mkdirSync(dir, { recursive: true });
  const line = (message: string) => `${JSON.stringify({ message, user: "root" })}\n`;
  writeFileSync(join(allowed, "app.log"), line(INSIDE));
  writeFileSync(join(allowed, "nested", "ok.log"), line(INSIDE));
  writeFileSync(join(outside, "secret.log"), line(SECRET));
  writeFileSync(join(root, "allowed-old", "secret.log"), line(SECRET));
  writeFileSync(join(aliased, "x.log"), line(INSIDE));
  symlinkSync(join(outside, "secret.log"), join(allowed, "link-out.log"));
  symlinkSync(outside, join(allowed, "linkdir"));
  symlinkSync(join(allowed, "nested", "ok.log"), join(allowed, "link-in.log"));
  symlinkSync(join(allowed, "loop.log"), join(allowed, "loop.log"));
  // A configured folder that is itself a link: allowed where it leads.
  symlinkSync(aliased, join(root, "alias"));
  execFileSync("mkfifo", [join(allowed, "pipe.log")]);
  server = await startTestServer({ MCP_ALLOWED_DIRS: `${allowed},${join(root, "alias")}` });
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  const url = new URL(`http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}/mcp`);
  client = new Client({ name: "confinement", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    }),
  );
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("analyze_log_file stays inside MCP_ALLOWED_DIRS", () => {
  it("reads files inside, by relative and absolute path, through inside links and a linked allowed folder", async () => {
    for (const filepath of [
      "app.log",
      "./app.log",
      join(allowed, "app.log"),
      `${allowed}//nested/./ok.log`,
      "nested/ok.log",
      "link-in.log",
      join(root, "alias", "x.log"),
    ]) {
      const result = await analyze(filepath);
      expect(result.isError, `${filepath}: ${textOf(result)}`).toBeFalsy();
      expect(result.structuredContent, filepath).toMatchObject({ total_events: 1 });
    }
  });

  it("refuses every escape: '..', outside paths, links out, NUL bytes, encoded traversal, special files", async () => {
    const secret = join(root, "outside", "secret.log");
    const escapes = [
      "../outside/secret.log",
      "./../outside/secret.log",
      "nested/../../outside/secret.log",
      `${allowed}/../outside/secret.log`,
      "..\\outside\\secret.log",
      "..",
      secret,
      join(root, "allowed-old", "secret.log"),
      "/etc/passwd",
      "/proc/self/environ",
      `/proc/self/root${secret}`,
      `/proc/self/cwd/../../..${secret}`,
      "/dev/zero",
      "link-out.log",
      join(allowed, "link-out.log"),
      "linkdir/secret.log",
      join(allowed, "linkdir", "secret.log"),
      "app.log\0",
      "app.log\0../../outside/secret.log",
      `${secret}\0`,
      "%2e%2e/outside/secret.log",
      "..%2foutside%2fsecret.log",
      "%2e%2e%2foutside%2fsecret.log",
      "%252e%252e%252foutside%252fsecret.log",
      "..%c0%afoutside%c0%afsecret.log",
      "\u2025/outside/secret.log",
      `file://${secret}`,
      "~/../outside/secret.log",
      "pipe.log",
      "loop.log",
      "subdir",
      allowed,
    ];
    const problems: string[] = [];
    const started = Date.now();
    for (const filepath of escapes) {
      const result = await analyze(filepath);
      const text = textOf(result);
      if (!result.isError) problems.push(`${JSON.stringify(filepath)} was read: ${text.slice(0, 120)}`);
      if (text.includes(SECRET)) problems.push(`${JSON.stringify(filepath)} answered the secret`);
      if (INTERNALS.test(text)) problems.push(`${JSON.stringify(filepath)} shows internals: ${text}`);
    }
    expect(problems).toEqual([]);
    // The FIFO among them is refused at once, not after waiting for a writer.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("gives one answer for a path outside whether it exists or not", async () => {
    const answers = await Promise.all(
      [
        join(root, "outside", "secret.log"),
        join(root, "outside", "no-such.log"),
        "/etc/passwd",
        "/etc/none",
      ].map(async (p) => textOf(await analyze(p)).replace(p, "<path>")),
    );
    expect(new Set(answers).size, answers.join("\n")).toBe(1);
    expect(answers[0]).toMatch(/outside the folders this server may read/);
  });
});
