import type { FastifyInstance } from "fastify";
import { type ErrorStatus, UserError } from "../core/errors.js";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../core/json.js";

/** The refusal of a body nested past MAX_JSON_DEPTH; `status` 422 on system 002's FastAPI routes. */
export function tooDeep(status: ErrorStatus<"invalid_json"> = 400): UserError {
  return new UserError(
    `request body is not valid JSON: nested deeper than ${MAX_JSON_DEPTH} levels`,
    "invalid_json",
    status,
  );
}

/**
 * Fastify's JSON parser (its `__proto__` and `constructor` poisoning checks included), refusing a body
 * nested deeper than MAX_JSON_DEPTH before it is parsed: walks over such a value overflow the stack.
 * Routes that read JSON their own way check the depth with parseJson or nestsDeeperThan.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (nestsDeeperThan(body as string)) return done(tooDeep(), undefined);
    parse(request, body as string, done);
  });
}
