import { UserError } from "../core/errors.js";
import type { Runtime } from "../service/runtime.js";
import type { Scope } from "../store/repos/tokens.js";

/** Who is calling the MCP server: a bearer token over HTTP, or the local operator over stdio. */
export interface McpCaller {
  /** Shown in the audit log (the token's name, or `mcp-stdio`). */
  name: string;
  scopes: readonly Scope[];
}

/** What every tool, resource and prompt is given. */
export interface McpContext {
  rt: Runtime;
  caller: McpCaller;
}

/**
 * stdio is a process the operator started with the store's own files, the same trust as the CLI
 * (`logwarden token create` needs no token either), so it gets every scope.
 */
export const STDIO_CALLER: McpCaller = { name: "mcp-stdio", scopes: ["read", "ingest", "admin"] };

/** Throws a tool error unless the caller has `scope` (`admin` implies every scope, as in REST). */
export function requireScope(ctx: McpContext, scope: Scope, what: string): void {
  const { scopes } = ctx.caller;
  if (scopes.includes(scope) || scopes.includes("admin")) return;
  throw new UserError(`${what} needs a token with the '${scope}' scope`, "Forbidden", 403);
}
