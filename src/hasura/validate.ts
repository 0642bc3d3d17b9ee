import { type JsonValue, parseJson } from "../core/json.js";
import { queryHash } from "./hash.js";
import type { RequestContext } from "./service.js";

export type ValidationError = { error: string; missing?: string[] };

export type Validated =
  | { ok: true; ctx: RequestContext; data: unknown }
  | { ok: false; body: ValidationError };

export interface IncomingRequest {
  headers: Record<string, string | string[] | undefined>;
  contentType: string | undefined;
  /** The raw body bytes; undefined when none was sent. */
  body: Buffer | undefined;
  timestamp: string;
}

const header = (headers: IncomingRequest["headers"], name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isJsonType = (type: string | undefined) =>
  type !== undefined && /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type.trim());

function parseBody(req: IncomingRequest): { ok: true; value: unknown } | { ok: false } {
  if (!isJsonType(req.contentType) || !req.body || req.body.length === 0) return { ok: false };
  try {
    return { ok: true, value: parseJson(req.body.toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

const fail = (error: string, missing?: string[]): Validated => ({
  ok: false,
  body: missing ? { error, missing } : { error },
});

/**
 * `POST /anomalies` validation in the exact order of contract §4.3; the first failure wins. The role
 * falls back to `session.role` and the user to `session.variables["x-hasura-user-id"]` ([Decision]:
 * the engine forwards `X-Hasura-Role` only when the GraphQL client itself sent it).
 */
export function validateAnomaliesRequest(req: IncomingRequest): Validated {
  const parsed = parseBody(req);
  const body = parsed.ok ? parsed.value : undefined;
  const session = isObject(body) && isObject(body.session) ? body.session : null;
  const sessionRole = typeof session?.role === "string" ? session.role : undefined;
  const role = header(req.headers, "x-hasura-role") ?? sessionRole;
  if (role === undefined) return fail("Missing required headers", ["X-Hasura-Role"]);
  if (!parsed.ok) return fail("Invalid request format");
  if (!body) return fail("Request body is required");
  if (isObject(body) && Object.keys(body).length === 0) return fail("Request body is required");
  if (Array.isArray(body) && body.length === 0) return fail("Request body is required");
  // Python's `"rawRequest" not in body` is a membership test for a list or a string; anything else breaks (row 9).
  if (!isObject(body))
    return fail(
      Array.isArray(body) || typeof body === "string" ? "rawRequest is required" : "Invalid request format",
    );
  if (!("rawRequest" in body)) return fail("rawRequest is required");
  if (!("response" in body)) return fail("response is required");
  const raw = body.rawRequest;
  if (!isObject(raw)) return fail("Invalid request format");
  const missing = ["query", "variables", "operationName"].filter((k) => !(k in raw));
  if (missing.length > 0) return fail("Invalid rawRequest format", missing);
  if (raw.operationName === "IntrospectionQuery") return fail("Introspection queries are not allowed");
  if (!isObject(body.response)) return fail("response must be an object with dataset keys");
  if (raw.query !== null && typeof raw.query !== "string") return fail("Invalid request format");
  if (raw.operationName !== null && typeof raw.operationName !== "string")
    return fail("Invalid request format");

  const sessionVars = isObject(session?.variables) ? session.variables : {};
  const userVar = sessionVars["x-hasura-user-id"];
  const user =
    header(req.headers, "x-hasura-user") ??
    (typeof userVar === "string" || typeof userVar === "number" ? String(userVar) : null);
  const query = raw.query as string | null;
  return {
    ok: true,
    ctx: {
      query,
      queryHash: query === null ? "" : queryHash(query),
      variables: (raw.variables ?? null) as JsonValue,
      operationName: raw.operationName as string | null,
      user,
      role,
      timestamp: req.timestamp,
      rawRequest: raw as JsonValue,
    },
    data: body.response.data,
  };
}

/** `POST /analyze/{id}`: the body is one JSON object, unwrapped as in §4.7.1; anything else is the reason. */
export function parseSingleRecord(
  req: Omit<IncomingRequest, "headers" | "timestamp">,
): { ok: true; record: Record<string, JsonValue> } | { ok: false; reason: string } {
  if (!req.body || req.body.length === 0) return { ok: false, reason: "request body is required" };
  if (!isJsonType(req.contentType))
    return { ok: false, reason: "request body must be sent as application/json" };
  let value: unknown;
  try {
    value = parseJson(req.body.toString("utf8"));
  } catch (error) {
    return { ok: false, reason: `request body is not valid JSON: ${(error as Error).message}` };
  }
  if (!isObject(value)) return { ok: false, reason: "request body must be a JSON object (one record)" };
  return { ok: true, record: value as Record<string, JsonValue> };
}
