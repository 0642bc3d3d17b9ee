import type {
  FastifyInstance,
  FastifySchema,
  onRequestHookHandler,
  preHandlerHookHandler,
  RouteOptions,
} from "fastify";
import type { Config } from "../config/schema.js";
import type { Scope } from "../store/repos/tokens.js";
import { type GuardDescription, guardDescription } from "./auth.js";

/** The OpenAPI extension that says, per operation, what credential the route takes. */
export const AUTH_EXTENSION = "x-logwarden-auth";

/** A credential a route accepts: an API token, system 000's HEALTH_TOKEN, system 003's engine key. */
export type Credential = "bearer" | "health-token" | "hasura-m-auth";

export interface RouteAuth {
  /** The scope a token needs (`admin` implies every scope); null on a route that takes no credential. */
  scope: Scope | null;
  /** True when a request without any credential is let in, as configured now. */
  open: boolean;
  /** The OPEN_ROUTES group that can open the route; null when none can. */
  open_group: string | null;
  credentials: Credential[];
}

type Hook = preHandlerHookHandler | onRequestHookHandler;

const asList = (hooks: Hook | Hook[] | undefined): Hook[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];

function routeAuthOf(guard: GuardDescription | undefined, config: Config): RouteAuth {
  if (!guard) return { scope: null, open: true, open_group: null, credentials: [] };
  const credentials: Credential[] = ["bearer"];
  if (guard.healthToken) credentials.push("health-token");
  if (guard.otherCredential) credentials.push(guard.otherCredential);
  const group = guard.group ?? null;
  return {
    scope: guard.scope,
    open: group !== null && (config.openRoutes as readonly string[]).includes(group),
    open_group: group,
    credentials,
  };
}

/** OpenAPI `security`: any one of the credentials, or none at all (`{}`) on an open route. */
function securityOf(auth: RouteAuth): Record<string, string[]>[] {
  const schemes = auth.credentials.filter((c) => c !== "health-token").map((c) => ({ [c]: [] }));
  return auth.open ? [{}, ...schemes] : schemes;
}

/**
 * Applies every route's authentication guard (requireAuth, listed among its preHandlers) in two ways.
 * The guard moves to onRequest: a caller without a credential is answered 401 before the server reads,
 * parses or validates its body, so it can neither make the server parse a megabyte nor learn the
 * route's schema from a 400. And the route's OpenAPI operation states what it takes (`security` and
 * `x-logwarden-auth`), from the guard itself, so the document cannot drift from what is enforced; a
 * route with no guard is documented as open (test/reliability/open-routes.ts lists the reviewed ones).
 */
export function installRouteAuth(app: FastifyInstance, config: Config): void {
  app.addHook("onRoute", (route: RouteOptions) => {
    const preHandlers = asList(route.preHandler);
    const guards = preHandlers.filter((hook) => guardDescription(hook) !== undefined);
    if (guards.length > 1)
      throw new Error(`${String(route.method)} ${route.url} has more than one auth guard`);
    const guard = guards[0];
    if (guard) {
      // New arrays: Fastify copies a GET route's options for its HEAD route, which runs this hook too.
      route.preHandler = preHandlers.filter((hook) => hook !== guard) as preHandlerHookHandler[];
      route.onRequest = [
        guard as onRequestHookHandler,
        ...(asList(route.onRequest) as onRequestHookHandler[]),
      ];
    }
    const schema = route.schema as Record<string, unknown> | undefined;
    if (schema?.hide) return;
    const auth = routeAuthOf(guardDescription(guard), config);
    // `security` and `x-…` keys are read by the documentation plugin; Fastify's own schema type has neither.
    route.schema = { ...schema, security: securityOf(auth), [AUTH_EXTENSION]: auth } as FastifySchema;
  });
}
