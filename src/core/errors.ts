/** An error whose message is safe to show to a user, with the HTTP status it maps to. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: string = "bad_request",
    readonly statusCode = 400,
    readonly details?: unknown[],
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Raised when a bounded queue is full; HTTP answers 503 with `Retry-After`. */
export class BackpressureError extends UserError {
  constructor(readonly retryAfterSecs = 1) {
    super("ingest queue is full, retry later", "overloaded", 503);
    this.name = "BackpressureError";
  }
}
