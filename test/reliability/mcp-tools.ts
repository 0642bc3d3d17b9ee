import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { TOOL_ACCESS_META, type ToolAccess } from "../../src/mcp/tool-access.js";
import { SCOPES, type Scope } from "../../src/store/repos/tokens.js";

/** One call the MCP matrix makes: a tool with arguments, and the scopes its token needs for them. */
export interface ToolCase {
  tool: string;
  /** `base`, or the `more` condition of the tool's access these arguments meet. */
  variant: string;
  args: Record<string, unknown>;
  needs: Scope[];
}

interface PropertySchema {
  type?: string;
  enum?: unknown[];
}

/**
 * Arguments that meet each `more` condition a tool may declare. A condition not here fails the matrix,
 * so a tool that grows a new argument-dependent scope gets a case for it.
 */
export function escalationArgs(otherModelDir: string): Readonly<Record<string, Record<string, unknown>>> {
  return {
    "persist: true": { persist: true },
    "model_dir other than MODEL_DIR": { model_dir: otherModelDir },
  };
}

/**
 * A plausible value for a required argument: ids no row has (an admin's call then changes nothing),
 * the first of an enum, a small record array for log data, the file the test put in the allowed folder.
 */
function plausible(name: string, schema: PropertySchema, logFile: string): unknown {
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (name === "log_data") return JSON.stringify([{ message: "auth matrix", user: "root" }]);
  if (name === "filepath") return logFile;
  if (schema.type === "integer" || schema.type === "number") return 999999;
  if (schema.type === "string") return "auth-matrix";
  if (schema.type === "boolean") return false;
  if (schema.type === "array") return [];
  return undefined;
}

/** The tool's published access, or why it cannot be read. */
export function accessOf(tool: Tool): ToolAccess | string {
  const access = tool._meta?.[TOOL_ACCESS_META] as ToolAccess | undefined;
  if (!access)
    return `${tool.name}: tools/list does not say what scope it needs (_meta["${TOOL_ACCESS_META}"])`;
  const scopes = [access.scope, ...Object.values(access.more ?? {})];
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) return `${tool.name}: names unknown scopes ${unknown.join(", ")}`;
  return access;
}

/**
 * The calls to make for every listed tool: its required arguments filled plausibly, then once per
 * `more` condition. Problems (a tool without published access, an argument or condition the test
 * cannot fill) are returned so the matrix fails on them.
 */
export function toolCases(
  tools: readonly Tool[],
  logFile: string,
  escalations: Readonly<Record<string, Record<string, unknown>>>,
): { cases: ToolCase[]; problems: string[] } {
  const cases: ToolCase[] = [];
  const problems: string[] = [];
  for (const tool of tools) {
    const access = accessOf(tool);
    if (typeof access === "string") {
      problems.push(access);
      continue;
    }
    const properties = (tool.inputSchema.properties ?? {}) as Record<string, PropertySchema>;
    const args: Record<string, unknown> = {};
    for (const name of tool.inputSchema.required ?? []) {
      const value = plausible(name, properties[name] ?? {}, logFile);
      if (value === undefined) problems.push(`${tool.name}: no plausible value for required '${name}'`);
      args[name] = value;
    }
    // `/mcp` itself needs `read`: every tool call needs it beside the tool's own scope.
    const base: Scope[] = ["read", access.scope];
    cases.push({ tool: tool.name, variant: "base", args, needs: base });
    for (const [condition, scope] of Object.entries(access.more ?? {})) {
      const extra = escalations[condition];
      if (!extra) problems.push(`${tool.name}: no arguments known that meet '${condition}'`);
      else
        cases.push({
          tool: tool.name,
          variant: condition,
          args: { ...args, ...extra },
          needs: [...base, scope],
        });
    }
  }
  return { cases, problems };
}

/** A token with `scopes` may do what needs `needs` (`admin` implies every scope, as in REST). */
export function permits(scopes: readonly Scope[], needs: readonly Scope[]): boolean {
  return scopes.includes("admin") || needs.every((s) => scopes.includes(s));
}
