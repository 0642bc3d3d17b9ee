import { resolve } from "node:path";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { loadModels } from "../../service/model-load.js";
import { type McpContext, requireScope } from "../context.js";
import { jsonResult } from "../results.js";
import { registerScopedTool } from "../tool-access.js";

/** Contract tool (contracts §3.6): `POST /models/load`'s body and answer. */
export function registerLoadAnomalyModels(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "load_anomaly_models",
    { scope: "ingest", more: { "model_dir other than MODEL_DIR": "admin" } },
    {
      title: "Load anomaly models",
      description:
        "Loads detection models from a Logwarden model folder (by default the server's own model folder, where `logwarden train` writes). On failure the previous models stay in use. Returns {status, model_dir, models}.",
      inputSchema: {
        model_dir: z
          .string()
          .min(1)
          .max(4096)
          .optional()
          .describe(
            "Model folder to load; omitted: the server's own model folder. Another folder needs the admin scope",
          ),
      },
      outputSchema: {
        status: z.literal("loaded"),
        model_dir: z
          .string()
          .describe(
            "The folder loaded: absolute for an admin, else relative to the server's working directory (or its last segment)",
          ),
        models: z.array(z.string()).describe("Names of the models in the folder"),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ model_dir }) => {
      const { rt } = ctx;
      const dir = model_dir ?? rt.config.modelDir;
      // As on REST: pointing the server at any folder it can read is an operator's call.
      if (resolve(dir) !== resolve(rt.config.modelDir))
        requireScope(ctx, "admin", "loading a folder other than MODEL_DIR");
      return jsonResult(
        await loadModels(rt, dir, ctx.caller.name, { admin: ctx.caller.scopes.includes("admin") }),
      );
    },
  );
}
