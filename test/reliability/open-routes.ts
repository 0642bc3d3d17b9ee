/**
 * The reviewed list of routes that answer without a credential. The auth matrix fails for a route the
 * server documents as open that is not here, and for an entry here the server no longer serves open,
 * so opening a route takes a change to this file, with its reason, in review.
 */

/** What an anonymous request to an open route gets. */
export type AnonymousAnswer =
  /** The route serves it. */
  | "served"
  /** The route checks a credential of its own in its handler (not a bearer token). */
  | "own-credential";

export interface OpenRoute {
  reason: string;
  anonymous: AnonymousAnswer;
}

/** Routes in the OpenAPI document, keyed `METHOD /path` as the document spells the path. */
export const OPEN_ROUTES: Readonly<Record<string, OpenRoute>> = {
  "GET /health": {
    reason: "every seed's health check is unauthenticated (contracts §1.5, §6.3 C5); no data beyond status",
    anonymous: "served",
  },
  "GET /health/live": {
    reason: "liveness probe of orchestrators, which send no credential",
    anonymous: "served",
  },
  "GET /health/ready": { reason: "readiness probe of orchestrators and load balancers", anonymous: "served" },
  "GET /api/v1/events": {
    reason:
      "EventSource cannot send headers: the credential is a single-use ticket from POST /api/v1/events/ticket (read scope), checked by the handler",
    anonymous: "own-credential",
  },
};

export interface HiddenOpenRoute {
  /** Matched against `METHOD /url` as registered (Fastify's `:param` and `*` spelling). */
  pattern: RegExp;
  reason: string;
}

/** Routes left out of the OpenAPI document (schema.hide) that answer without a credential. */
export const HIDDEN_OPEN_ROUTES: readonly HiddenOpenRoute[] = [
  { pattern: /^GET \/openapi\.json$/, reason: "the API's own description (contracts §3.4)" },
  { pattern: /^GET \/docs(\/.*)?$/, reason: "Swagger UI: static pages that render /openapi.json" },
  {
    pattern: /^GET \/(ui(\/\*)?)?$/,
    reason: "the dashboard's HTML shell; its data comes from authenticated API calls",
  },
  {
    pattern: /^GET \/assets\/\*$/,
    reason: "the dashboard's built scripts and styles, the same for everyone",
  },
  {
    pattern: /^(GET|POST|PUT|PATCH|DELETE) \/(anomalies|(history|model|analyze|stats)\/:query_id)$/,
    reason: "system 003's other methods on its paths: 405 before anything is read (contracts §4.2)",
  },
];
