import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Config, OPEN_ROUTE_GROUPS } from "../config/schema.js";
import type { RateLimitLiteral } from "../core/errors.js";
import { isoUtc } from "../core/time.js";
import type { Runtime } from "../service/runtime.js";
import { lookupToken } from "../service/tokens.js";
import { SCOPES, type Scope, touchToken } from "../store/repos/tokens.js";
import { isFastApiRoute, sendError } from "./errors.js";
import type { RateLimiter } from "./rate-limiter.js";

export type RouteGroup = (typeof OPEN_ROUTE_GROUPS)[number];

export interface AuthRule {
  /** The group an operator can open with OPEN_ROUTES; a route without a group always needs a credential. */
  group?: RouteGroup;
  scope: Scope;
  /** System 000's route also accepts HEALTH_TOKEN (contracts §1.3). */
  healthToken?: boolean;
}

export interface Principal {
  /** Shown in the audit log: the token's name, or `API_TOKEN`, `API_TOKENS[2]`, `HEALTH_TOKEN`. */
  name: string;
  scopes: readonly Scope[];
  /** Stored token id; null for the static tokens of the configuration. */
  tokenId: number | null;
}

/**
 * What a guard demands, kept with the guard so the OpenAPI document can say it (api/route-auth.ts):
 * the rule, and a header other than `Authorization` that also lets a caller in.
 */
export interface GuardDescription extends AuthRule {
  otherCredential?: "hasura-m-auth";
}

const guards = new WeakMap<object, GuardDescription>();

/** Marks `guard` as an authentication guard demanding `description`; returns it. */
export function describeGuard<T extends object>(guard: T, description: GuardDescription): T {
  guards.set(guard, description);
  return guard;
}

/** What `hook` demands when it is an authentication guard, else undefined. */
export function guardDescription(hook: unknown): GuardDescription | undefined {
  return typeof hook === "function" ? guards.get(hook) : undefined;
}

/** The per-app request budgets `requireAuth` applies once it knows who is calling. */
export interface AccessLimits {
  perToken: RateLimiter | null;
  perIp: RateLimiter | null;
}

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    accessLimits?: AccessLimits;
  }
}

/** Digests have one length, so comparing them in constant time leaks neither content nor length. */
function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

interface StaticToken {
  digest: Buffer;
  principal: Principal;
  /** HEALTH_TOKEN is accepted only where a rule says so. */
  healthOnly: boolean;
}

const staticTokens = new WeakMap<Config, StaticToken[]>();

/** API_TOKEN (admin), API_TOKENS (system 002 clients: read + ingest) and HEALTH_TOKEN (system 000: read). */
function staticTokensOf(config: Config): StaticToken[] {
  let list = staticTokens.get(config);
  if (list) return list;
  list = [];
  if (config.apiToken) {
    list.push({
      digest: digest(config.apiToken),
      principal: { name: "API_TOKEN", scopes: SCOPES, tokenId: null },
      healthOnly: false,
    });
  }
  config.apiTokens.forEach((token, i) => {
    list!.push({
      digest: digest(token),
      principal: { name: `API_TOKENS[${i}]`, scopes: ["read", "ingest"], tokenId: null },
      healthOnly: false,
    });
  });
  if (config.healthToken) {
    list.push({
      digest: digest(config.healthToken),
      principal: { name: "HEALTH_TOKEN", scopes: ["read"], tokenId: null },
      healthOnly: true,
    });
  }
  staticTokens.set(config, list);
  return list;
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
    // FastAPI's HTTPBearer wording (contracts §3.4).
    return reply
      .code(401)
      .header("www-authenticate", "Bearer")
      .send({ error: "Unauthorized", message, detail: missing ? "Not authenticated" : "Unauthorized" });
  }
  reply.header("www-authenticate", "Bearer");
  return sendError(request, reply, 401, "Unauthorized", message);
}

function rateLimited(
  request: FastifyRequest,
  reply: FastifyReply,
  limiter: RateLimiter,
  retryAfterSecs: number,
  who: string,
): FastifyReply {
  reply.header("retry-after", String(retryAfterSecs));
  const literal: RateLimitLiteral = `Rate limit exceeded: ${limiter.rate.label}`;
  return sendError(
    request,
    reply,
    429,
    isFastApiRoute(request.url) ? literal : "rate_limited",
    `${literal} ${who}; retry in ${retryAfterSecs} s`,
  );
}

/** Counts one request against `limiter`; answers 429 (and returns the reply) when over budget. */
function overBudget(
  request: FastifyRequest,
  reply: FastifyReply,
  limiter: RateLimiter | null | undefined,
  key: string,
  who: string,
): FastifyReply | undefined {
  if (!limiter) return undefined;
  const decision = limiter.hit(key);
  return decision.allowed ? undefined : rateLimited(request, reply, limiter, decision.retryAfterSecs, who);
}

// last_used_at is written at most once a minute per token, off the request path.
const TOUCH_EVERY_MS = 60_000;
const lastTouched = new Map<number, number>();

function touch(rt: Runtime, tokenId: number): void {
  const now = rt.clock.now();
  if (now - (lastTouched.get(tokenId) ?? 0) < TOUCH_EVERY_MS) return;
  lastTouched.set(tokenId, now);
  touchToken(rt.store.db, tokenId, isoUtc(now)).catch((error: unknown) =>
    rt.log.warn({ err: error }, "could not record token use"),
  );
}

async function authenticate(rt: Runtime, token: string, rule: AuthRule): Promise<Principal | null> {
  const presented = digest(token);
  let found: Principal | null = null;
  // Every static token is compared, so the time taken does not say which one (if any) matched.
  for (const t of staticTokensOf(rt.config)) {
    if (timingSafeEqual(presented, t.digest) && !found && (!t.healthOnly || rule.healthToken)) {
      found = t.principal;
    }
  }
  if (found) return found;
  const info = await lookupToken(rt.store.db, token, rt.clock.now());
  if (!info) return null;
  touch(rt, info.id);
  return { name: info.name, scopes: info.scopes, tokenId: info.id };
}

/**
 * A guard enforcing one rule: an open group, or a credential with the scope (`admin` implies
 * every scope). Missing or bad credential → 401; valid but without the scope → 403. Then the request
 * is counted against its token's budget, or its client IP's when it has no valid token. Routes list it
 * as a preHandler; api/route-auth.ts runs it at onRequest instead, before the body is read.
 */
export function requireAuth(rt: Runtime, rule: AuthRule) {
  const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const limits = request.server.accessLimits;
    const ipBudget = () => overBudget(request, reply, limits?.perIp, `ip:${request.ip}`, "for this client");
    const token = bearerToken(request);
    const open = rule.group !== undefined && (rt.config.openRoutes as readonly string[]).includes(rule.group);
    if (!token) return ipBudget() ?? (open ? undefined : unauthorized(request, reply, true));
    const principal = await authenticate(rt, token, rule);
    if (!principal) {
      // A client that sends a token the open route does not know is treated as anonymous there.
      return ipBudget() ?? (open ? undefined : unauthorized(request, reply, false));
    }
    const tokenKey = principal.tokenId === null ? `s:${principal.name}` : `t:${principal.tokenId}`;
    const limited = overBudget(request, reply, limits?.perToken, tokenKey, "for this token");
    if (limited) return limited;
    if (!principal.scopes.includes(rule.scope) && !principal.scopes.includes("admin")) {
      if (open) return undefined;
      return sendError(request, reply, 403, "Forbidden", `this token lacks the '${rule.scope}' scope`);
    }
    request.principal = principal;
    return undefined;
  };
  return describeGuard(guard, rule);
}

/** The scopes a request has: its principal's, or none. */
export function hasScope(request: FastifyRequest, scope: Scope): boolean {
  const scopes = request.principal?.scopes ?? [];
  return scopes.includes(scope) || scopes.includes("admin");
}
