// POST /models/load: system 002's contract (../shared/docs/seed-contracts.md §3.3).
import { resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import { loadModels } from "../../service/model-load.js";
import type { Runtime } from "../../service/runtime.js";
import { hasScope, requireAuth } from "../auth.js";
import { errorSchema } from "../schemas.js";
import { fastApiErrors, MODEL_DIR_SHOWN, readFastApiBodies } from "./fastapi-bodies.js";

/** System 002's model loading: MODEL_DIR, or another folder for an admin (contracts §3.3). */
export function modelRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    // Its body is read as /analyze's is (an empty one is no argument), as when both were one plugin.
    await readFastApiBodies(app, rt);

    r.post(
      "/models/load",
      {
        preHandler: requireAuth(rt, { group: "analyze", scope: "ingest" }),
        bodyLimit: 16 * 1024,
        schema: {
          summary: "Load models from a folder (default MODEL_DIR); the body may be omitted",
          tags: ["system 002"],
          body: z
            .object({
              model_dir: z
                .string()
                .min(1)
                .max(4096)
                .optional()
                .describe("Another folder needs the `admin` scope"),
            })
            .nullish(),
          response: {
            200: z.object({
              status: z.literal("loaded"),
              model_dir: z.string().describe(MODEL_DIR_SHOWN),
              models: z.array(z.string()),
            }),
            400: errorSchema,
            404: errorSchema,
            ...fastApiErrors,
          },
        },
      },
      async (request) => {
        const dir = request.body?.model_dir ?? rt.config.modelDir;
        // Pointing the server at any folder it can read is an operator's call, not a client's.
        if (resolve(dir) !== resolve(rt.config.modelDir) && !hasScope(request, "admin"))
          throw new UserError(
            "loading a folder other than MODEL_DIR needs the 'admin' scope",
            "Forbidden",
            403,
          );
        return loadModels(rt, dir, request.principal?.name ?? "anonymous", {
          admin: hasScope(request, "admin"),
        });
      },
    );
  };
}
