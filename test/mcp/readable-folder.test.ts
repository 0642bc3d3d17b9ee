import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, connectStdioMcp, textOf } from "./client.js";

let cwd: string;
let client: Client;
let stderr: () => string;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "lw-mcp-default-"));
  // MCP_ALLOWED_DIRS left at its default: the folder is ./logs of the working directory.
  const mcp = await connectStdioMcp(
    { MCP_ALLOWED_DIRS: undefined, DATA_DIR: join(cwd, "data"), LOG_LEVEL: "info" },
    cwd,
  );
  ({ client, stderr } = mcp);
}, 60_000);

afterAll(async () => {
  await client?.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe("logwarden mcp with the default readable folder", () => {
  it("creates ./logs, says so, names it in the tool's description and analyses a file put there", async () => {
    const folder = join(cwd, "logs");
    expect(existsSync(folder)).toBe(true);
    expect(stderr()).toContain("analyze_log_file reads the log files put in this folder (created)");
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === "analyze_log_file")?.description).toContain(
      `inside the folder ${folder}`,
    );
    const lines = Array.from(
      { length: 30 },
      (_, i) =>
        `Dec 10 06:55:${String(i).padStart(2, "0")} host sshd[1]: Failed password for root from 10.0.0.${i} port 22 ssh2`,
    );
    writeFileSync(join(folder, "auth.log"), `${lines.join("\n")}\n`);
    const result = await call(client, "analyze_log_file", { filepath: "auth.log" });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent?.total_events).toBe(30);
  });
});
