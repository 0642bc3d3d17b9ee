import { timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { OPEN_ROUTE_GROUPS } from "../config/schema.js";
import type { Runtime } from "../service/runtime.js";
import { findToken, type Scope } from "../store/repos/tokens.js";
import { isFastApiRoute, sendError } from "./errors.js";

export type RouteGroup = (typeof OPEN_ROUTE_GROUPS)[number];

export interface AuthRule {
  /** The group an operator can open with OPEN_ROUTES. */
  group: RouteGroup;
  scope: Scope;
  /** System 000's route also accepts HEALTH_TOKEN (contracts §1.3). */
  healthToken?: boolean;
}

export interface Principal {
  name: string;
  scopes: readonly Scope[];
}

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The header must be exactly `Bearer <token>` (contracts §1.3 closes the original's prefix-stripping hole). */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== "string" || !header.startsWith("Bearer ")) return null;
  const token = header.slice("Bearer ".length);
  return token.length > 0 ? token : null;
}

function unauthorized(request: FastifyRequest, reply: FastifyReply, missing: boolean): FastifyReply {
  const message = missing ? "a bearer token is required" : "the bearer token is not valid";
  if (isFastApiRoute(request.url)) {
    return reply
      .code(401)
      .send({ error: "Unauthorized", message, detail: missing ? "Not authenticated" : "Unauthorized" });
  }
  return sendError(request, reply, 401, "Unauthorized", message);
}

/** A preHandler enforcing one rule: open group, or a credential with the scope. */
export function requireAuth(rt: Runtime, rule: AuthRule) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if ((rt.config.openRoutes as readonly string[]).includes(rule.group)) return undefined;
    const token = bearerToken(request);
    if (!token) return unauthorized(request, reply, true);
    if (rt.config.apiToken && safeEqual(token, rt.config.apiToken)) {
      request.principal = { name: "API_TOKEN", scopes: ["read", "ingest", "admin"] };
      return undefined;
    }
    if (rule.healthToken && rt.config.healthToken && safeEqual(token, rt.config.healthToken)) {
      request.principal = { name: "HEALTH_TOKEN", scopes: ["read"] };
      return undefined;
    }
    const info = await findToken(rt.store.db, token);
    if (!info) return unauthorized(request, reply, false);
    if (!info.scopes.includes(rule.scope) && !info.scopes.includes("admin")) {
      return sendError(request, reply, 403, "Forbidden", `this token lacks the '${rule.scope}' scope`);
    }
    request.principal = { name: info.name, scopes: info.scopes };
    return undefined;
  };
}
