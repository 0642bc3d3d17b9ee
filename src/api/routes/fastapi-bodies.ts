// What system 002's routes share: FastAPI's bodies and errors (../shared/docs/seed-contracts.md §3.3, §3.4).
import fastifyMultipart from "@fastify/multipart";
import type { FastifyInstance } from "fastify";
import { UserError } from "../../core/errors.js";
import { nestsDeeperThan } from "../../core/json.js";
import type { Runtime } from "../../service/runtime.js";
import { tooDeep } from "../json-body.js";
import { errorSchema } from "../schemas.js";

/** What `model_dir` says in `/stats` and `/models/load` (service/shown-path.ts). */
export const MODEL_DIR_SHOWN =
  "The model folder: absolute for an admin token; for any other caller relative to the server's working directory, or only its last segment when it lies outside it";

export const fastApiErrors = {
  401: errorSchema,
  403: errorSchema,
  413: errorSchema,
  422: errorSchema,
  429: errorSchema,
};

/**
 * The bodies system 002's routes read, in the plugin `app`: JSON as FastAPI reads it, and multipart
 * forms (the upload of `POST /analyze/file`).
 */
export async function readFastApiBodies(app: FastifyInstance, rt: Runtime): Promise<void> {
  // FastAPI answers malformed JSON with 422 and accepts an empty body where the body is optional
  // (`POST /models/load` with no argument); only system 002's routes parse JSON this way.
  const defaultJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (typeof body === "string" && body.trim() === "") return done(null, undefined);
    if (nestsDeeperThan(body as string)) return done(tooDeep(422), undefined);
    defaultJson(request, body as string, (error, value) => {
      if (!error) return done(null, value);
      const at = /position (\d+)/.exec(error.message)?.[1];
      done(
        new UserError(`request body is not valid JSON: ${error.message}`, "invalid_json", 422, [
          {
            loc: ["body", at === undefined ? 0 : Number(at)],
            msg: "JSON decode error",
            type: "json_invalid",
          },
        ]),
        undefined,
      );
    });
  });
  await app.register(fastifyMultipart, {
    limits: {
      fileSize: rt.config.limits.analyzeMaxFileBytes,
      files: 1,
      fields: 20,
      parts: 30,
      fieldSize: 64 * 1024,
    },
  });
}
