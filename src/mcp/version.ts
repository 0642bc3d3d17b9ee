import { readFileSync } from "node:fs";

/** The package version the MCP server reports in its handshake (same file from src/ and dist/). */
export const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
