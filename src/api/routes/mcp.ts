import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { PACKAGE_VERSION } from "../../mcp/version.js";
import type { Runtime } from "../../service/runtime.js";
import { requireAuth } from "../auth.js";
import { errorSchema } from "../schemas.js";

const jsonRpcMessage = z
  .looseObject({
    jsonrpc: z.literal("2.0"),
    id: z.union([z.string(), z.number()]).optional(),
    method: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .describe("One MCP JSON-RPC message (initialize, tools/list, tools/call, …)");

/**
 * The MCP SDK and the tools load with the first call to `/mcp`, not with the server: they are about 0.5 s
 * of CPU at every `serve` start (a fifth of it) that a server nobody asks over MCP never needs.
 */
let mcpModules:
  | Promise<
      [
        typeof import("@modelcontextprotocol/sdk/server/streamableHttp.js"),
        typeof import("../../mcp/server.js"),
      ]
    >
  | undefined;
const loadMcpModules = () =>
  (mcpModules ??= Promise.all([
    import("@modelcontextprotocol/sdk/server/streamableHttp.js"),
    import("../../mcp/server.js"),
  ]));

/** Stateless mode has no server-to-client stream and no session to delete (MCP: answer 405). */
function methodNotAllowed(_request: FastifyRequest, reply: FastifyReply) {
  return reply
    .code(405)
    .header("allow", "POST")
    .send({
      jsonrpc: "2.0",
      error: { code: -32000, message: "Method not allowed: this server is stateless, use POST" },
      id: null,
    });
}

/**
 * MCP over Streamable HTTP at `/mcp`, stateless: every POST gets a fresh server and transport bound
 * to the caller's token, so no session state outlives a request, any instance can answer, and a
 * revoked token stops working on the next call. The transport writes the response itself, so the
 * reply is hijacked after authentication; each tool checks the scope it needs (docs/mcp.md).
 */
export function mcpRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    // Every tool reads; writing tools check `ingest` or `admin` themselves.
    const auth = requireAuth(rt, { scope: "read" });
    r.post(
      "/mcp",
      {
        preHandler: auth,
        // log_data carries records escaped inside a JSON string: allow for the escaping.
        bodyLimit: rt.config.limits.analyzeMaxBodyBytes * 2 + 64 * 1024,
        schema: {
          summary: "Model Context Protocol (Streamable HTTP, stateless; JSON responses)",
          tags: ["mcp"],
          body: jsonRpcMessage,
          response: {
            200: z.looseObject({ jsonrpc: z.literal("2.0") }).describe("The JSON-RPC response"),
            202: z.null().describe("Accepted notification"),
            401: errorSchema,
            403: errorSchema,
            413: errorSchema,
          },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const [{ StreamableHTTPServerTransport }, { createMcpServer }] = await loadMcpModules();
        const server = createMcpServer(
          rt,
          { name: principal.name, scopes: principal.scopes },
          PACKAGE_VERSION,
        );
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        reply.hijack();
        reply.raw.on("close", () => {
          void transport.close();
          void server.close();
        });
        try {
          await server.connect(transport);
          await transport.handleRequest(request.raw, reply.raw, request.body);
        } catch (error) {
          request.log.error({ err: error }, "MCP request failed");
          if (!reply.raw.headersSent) {
            reply.raw.writeHead(500, { "content-type": "application/json" });
            reply.raw.end(
              JSON.stringify({
                jsonrpc: "2.0",
                error: { code: -32603, message: "Internal error" },
                id: null,
              }),
            );
          }
        }
      },
    );
    r.get("/mcp", { preHandler: auth, schema: { hide: true } }, methodNotAllowed);
    r.delete("/mcp", { preHandler: auth, schema: { hide: true } }, methodNotAllowed);
  };
}
