import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { REPO, serveEntry } from "../helpers/cli.js";

/** A `logwarden mcp` process on stdio with the SDK's client connected, and what it wrote to stderr. */
export interface StdioMcp {
  client: Client;
  stderr(): string;
}

/**
 * Starts `logwarden mcp` (the JavaScript this test run transpiled, `serveEntry`, as the other CLI tests
 * run it) with this process's environment plus `env`, and connects the official client to it. Settings
 * set to undefined in `env` are left out.
 */
export async function connectStdioMcp(
  env: Record<string, string | undefined>,
  cwd = REPO,
): Promise<StdioMcp> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env }))
    if (value !== undefined) merged[key] = value;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...serveEntry(), "mcp"],
    cwd,
    env: merged,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const client = new Client({ name: "logwarden-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

/** Calls a tool and returns its result with the structured content typed loosely for assertions. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult & { structuredContent?: Record<string, unknown> }> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The text of a result's content items, joined. */
export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}
