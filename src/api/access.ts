import fastifyCors from "@fastify/cors";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Runtime } from "../service/runtime.js";
import { RateLimiter } from "./rate-limiter.js";

/** Headers a browser client may read: pagination, back-off and the request id. */
const EXPOSED_HEADERS = ["x-next-cursor", "link", "retry-after", "x-request-id"];

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The client's `X-Request-Id` when it is a sane token, else a fresh UUID (ids end up in every log line). */
export function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

/**
 * Cross-cutting HTTP access: per-token and per-IP request budgets (applied by `requireAuth`), CORS
 * (off unless CORS_ORIGINS lists origins), and the request id echoed on every response.
 */
export async function installAccess(app: FastifyInstance, rt: Runtime): Promise<void> {
  const { perToken, perIp } = rt.config.limits;
  app.decorate("accessLimits", {
    perToken: perToken ? new RateLimiter(perToken, rt.clock) : null,
    perIp: perIp ? new RateLimiter(perIp, rt.clock) : null,
  });
  app.addHook("onRequest", async (request: FastifyRequest, reply) => {
    reply.header("x-request-id", request.id);
  });
  const origins = rt.config.corsOrigins;
  if (origins.length > 0) {
    await app.register(fastifyCors, {
      origin: origins.includes("*") ? true : origins,
      methods: ["GET", "HEAD", "POST", "PATCH", "DELETE"],
      allowedHeaders: ["authorization", "content-type", "x-request-id"],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
}
