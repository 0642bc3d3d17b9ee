/**
 * Every error code Logwarden answers with: the `error` of a REST error body, the code of an MCP tool
 * error, the code behind a CLI message. Each is defined here once with its HTTP status and what it
 * means, as Fastify's `errors.js` defines its own; `UserError` takes its status from here, so a code
 * cannot be sent with another status, and `docs/errors.md` lists the same table (a test compares them).
 * Some codes are the seed contracts' literals (`Unauthorized`, `Not Found`, …), capitals included.
 */
interface ErrorDefinition {
  /** The HTTP status the code is answered with. */
  readonly status: number;
  /** The status on system 002's FastAPI-style routes, where the contract says otherwise (§3.3: 422). */
  readonly fastApiStatus?: number;
  /** The HTTP layer's own 4xx errors keep their status (one code for them all). */
  readonly anyClientStatus?: true;
  /** What the code means, for docs/errors.md. */
  readonly meaning: string;
}

export const ERRORS = {
  bad_request: {
    status: 400,
    meaning: "The request cannot be done as asked; the message says which part and why.",
  },
  validation_error: {
    status: 400,
    fastApiStatus: 422,
    meaning:
      "The body, query or path failed validation; `details` lists each field (`loc`, `field`, `msg`, `type`).",
  },
  invalid_json: {
    status: 400,
    fastApiStatus: 422,
    meaning: "The body (or a JSON field or line in it) is not valid JSON.",
  },
  request_error: {
    status: 400,
    anyClientStatus: true,
    meaning:
      "Any other 4xx the HTTP layer (Fastify) raises before a route runs, with Fastify's status and message.",
  },
  invalid_multipart: { status: 400, meaning: "The multipart body (`POST /analyze/file`) is malformed." },
  unsupported_file: {
    status: 400,
    meaning: "The uploaded file is not a log: binary, not JSON, NDJSON or text lines.",
  },
  bad_model_dir: {
    status: 400,
    meaning:
      "`MODEL_DIR` (or the folder `POST /models/load` names) holds a manifest or model that cannot be read, is too large or does not match its SHA-256.",
  },
  Unauthorized: {
    status: 401,
    meaning: "No bearer token, or one that is not valid (the seed's literal; `WWW-Authenticate: Bearer`).",
  },
  Forbidden: { status: 403, meaning: "The token is valid but lacks the scope the route or tool needs." },
  not_found: { status: 404, meaning: "The resource named in the path or arguments does not exist." },
  "Not Found": { status: 404, meaning: "No such route (the seed's literal)." },
  "Method Not Allowed": {
    status: 405,
    meaning: "The route exists but not with this method (system 003's routes; the seed's literal).",
  },
  conflict: { status: 409, meaning: "The request conflicts with the current state (a name already taken)." },
  payload_too_large: { status: 413, meaning: "The body or upload is larger than the route's limit." },
  line_too_long: {
    status: 413,
    meaning:
      "A line (a log's message, an upload's line, an OTLP body) is longer than `MAX_LINE_BYTES` and `LINE_TOO_LONG` is `refuse`; nothing of the request was stored.",
  },
  unsupported_media_type: { status: 415, meaning: "The route does not take this `Content-Type`." },
  idempotency_key_reused: {
    status: 422,
    meaning:
      "The `Idempotency-Key` was sent before with another body (or query) on this route; nothing was stored. A key names one request: send a new request under a new key.",
  },
  rate_limited: {
    status: 429,
    meaning:
      "Over the per-client budget; `Retry-After` says when to come back. On system 002's routes the code is slowapi's literal `Rate limit exceeded: <rate>`.",
  },
  "Internal Server Error": {
    status: 500,
    meaning:
      "An unexpected failure; the cause is in the server log, never in the answer (the seed's literal).",
  },
  not_available: { status: 501, meaning: "The feature is not available in this deployment." },
  overloaded: {
    status: 503,
    meaning: "The ingest queue is full; `Retry-After` says when to send the same request again.",
  },
  unavailable: {
    status: 503,
    meaning:
      "A service Logwarden hands the request on to (the triage queues' RabbitMQ) did not confirm it; nothing was kept, and `Retry-After` says when to send it again. Also: attempts with one `Idempotency-Key` kept overtaking each other; send it again.",
  },
  disabled: {
    status: 503,
    meaning: "The feature is switched off by configuration (the message names the key).",
  },
  "Service Unavailable": {
    status: 503,
    meaning:
      "Not ready: the store cannot be used (`/health/ready`) or the models are not loaded (the seed's literal).",
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;

/** The statuses code `C` may be answered with. */
export type ErrorStatus<C extends ErrorCode> =
  | (typeof ERRORS)[C]["status"]
  | ((typeof ERRORS)[C] extends { fastApiStatus: infer F } ? F : never)
  | ((typeof ERRORS)[C] extends { anyClientStatus: true } ? number : never);

/** slowapi's literal, the `error` of a 429 on system 002's routes (contracts §3.4). */
export type RateLimitLiteral = `Rate limit exceeded: ${string}`;

/** An error whose message is safe to show to a user, with a code of the catalogue and its status. */
export class UserError<C extends ErrorCode = ErrorCode> extends Error {
  readonly statusCode: number;

  constructor(
    message: string,
    readonly code: C = "bad_request" as C,
    statusCode?: ErrorStatus<C>,
    readonly details?: unknown[],
  ) {
    super(message);
    this.name = "UserError";
    this.statusCode = (statusCode as number | undefined) ?? (ERRORS[code] as ErrorDefinition).status;
  }
}

/** Raised when a dependency did not take a hand-off; HTTP answers 503 with `Retry-After`. */
export class UnavailableError extends UserError<"unavailable"> {
  constructor(
    message: string,
    readonly retryAfterSecs = 5,
  ) {
    super(message, "unavailable");
    this.name = "UnavailableError";
  }
}

/** Raised when a bounded queue is full; HTTP answers 503 with `Retry-After`. */
export class BackpressureError extends UserError<"overloaded"> {
  constructor(
    readonly retryAfterSecs = 1,
    message = "ingest queue is full, retry later",
  ) {
    super(message, "overloaded");
    this.name = "BackpressureError";
  }
}
