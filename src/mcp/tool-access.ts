import type { McpServer, RegisteredTool, ToolCallback } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { AnySchema, ZodRawShapeCompat } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { Scope } from "../store/repos/tokens.js";
import { type McpContext, requireScope } from "./context.js";

/** The `_meta` key under which tools/list shows what a tool demands (a {@link ToolAccess}). */
export const TOOL_ACCESS_META = "logwarden/access";

/**
 * What a tool demands of an HTTP caller's token, beyond the `read` scope `/mcp` itself needs.
 * `scope` is checked before the tool runs; `more` names argument values that need a further scope,
 * which the tool checks itself (persisting, loading another model folder).
 */
export interface ToolAccess {
  scope: Scope;
  more?: Readonly<Record<string, Scope>>;
}

/** registerTool's config, as the SDK declares it. */
interface ToolConfig<InputArgs, OutputArgs> {
  title?: string;
  description?: string;
  inputSchema?: InputArgs;
  outputSchema?: OutputArgs;
  annotations?: ToolAnnotations;
  _meta?: Record<string, unknown>;
}

/**
 * Registers a tool whose scope is enforced and published from one declaration: the check runs before
 * the tool's own code, and tools/list carries the same `access` in `_meta`, so a client (and
 * test/reliability's auth matrix) reads what is enforced rather than a table that can drift from it.
 */
export function registerScopedTool<
  OutputArgs extends ZodRawShapeCompat | AnySchema,
  InputArgs extends undefined | ZodRawShapeCompat | AnySchema = undefined,
>(
  server: McpServer,
  ctx: McpContext,
  name: string,
  access: ToolAccess,
  config: ToolConfig<InputArgs, OutputArgs>,
  run: ToolCallback<InputArgs>,
): RegisteredTool {
  // The callback's parameters depend on InputArgs (args and extra, or extra alone): pass them through.
  const untyped = run as (...params: unknown[]) => ReturnType<ToolCallback<InputArgs>>;
  const checked = async (...params: unknown[]) => {
    requireScope(ctx, access.scope, name);
    return untyped(...params);
  };
  return server.registerTool(
    name,
    { ...config, _meta: { ...config._meta, [TOOL_ACCESS_META]: access } },
    checked as unknown as ToolCallback<InputArgs>,
  );
}
