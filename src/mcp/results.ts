import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/**
 * System 002's contract tools (contracts §3.6): one text item holding the JSON result, and the same
 * object as structured content.
 */
export function jsonResult(value: object): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(value) }],
    structuredContent: value as Record<string, unknown>,
  };
}

/**
 * Logwarden's own tools: a readable summary for the person, then the JSON (for clients that ignore
 * structured content, as the MCP spec asks), and the structured content itself.
 */
export function summaryResult(summary: string, value: object): CallToolResult {
  return {
    content: [
      { type: "text", text: summary },
      { type: "text", text: JSON.stringify(value) },
    ],
    structuredContent: value as Record<string, unknown>,
  };
}

/** Cuts a text for a one-line summary. */
export function clip(text: string | null | undefined, max = 120): string {
  if (!text) return "";
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
