import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import {
  BackpressureError,
  type ErrorCode,
  type ErrorStatus,
  type RateLimitLiteral,
  UnavailableError,
  UserError,
} from "../core/errors.js";

/** The one error body (contracts §6.3 C7); `detail` is added on system 002's routes (FastAPI style). */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown[];
  detail?: unknown;
}

/** Routes that keep FastAPI's conventions (contracts §3.3): `detail`, and 422 for validation. */
export function isFastApiRoute(url: string): boolean {
  const path = url.split("?")[0] ?? "";
  return (
    path === "/analyze" ||
    path === "/analyze/file" ||
    path === "/models/load" ||
    path === "/stats" ||
    path.startsWith("/health")
  );
}

/**
 * Answers with the one error body. The code comes from the catalogue (src/core/errors.ts) and the
 * status must be one the catalogue gives it; on system 002's routes a 429's code is slowapi's literal.
 */
export function sendError<C extends ErrorCode>(
  request: FastifyRequest,
  reply: FastifyReply,
  status: ErrorStatus<C>,
  error: C | RateLimitLiteral,
  message: string,
  details?: unknown[],
): FastifyReply {
  const body: ErrorBody = { error, message };
  if (details) body.details = details;
  if (isFastApiRoute(request.url)) body.detail = details && status === 422 ? details : message;
  return reply
    .code(status as number)
    .type("application/json")
    .send(body);
}

/** Maps every error to the one shape; nothing internal (stack, SQL) ever leaves the server. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        // FastAPI's loc: array positions are numbers (`["body", "logs", 0, "user"]`).
        loc: [
          err.validationContext ?? "body",
          ...v.instancePath
            .split("/")
            .filter(Boolean)
            .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
        ],
        field: v.instancePath.replace(/^\//, "").replaceAll("/", ".") || (err.validationContext ?? "body"),
        msg: v.message ?? "invalid",
        type: v.keyword,
      }));
      const status = isFastApiRoute(request.url) ? 422 : 400;
      const fields = details.map((d) => `${d.field}: ${d.msg}`).join("; ");
      return sendError(request, reply, status, "validation_error", `invalid request: ${fields}`, details);
    }
    if (err instanceof BackpressureError || err instanceof UnavailableError) {
      reply.header("retry-after", String(err.retryAfterSecs));
      return sendError(request, reply, 503, err.code, err.message);
    }
    if (err instanceof UserError)
      return sendError(
        request,
        reply,
        err.statusCode as ErrorStatus<typeof err.code>,
        err.code,
        err.message,
        err.details,
      );
    if (isResponseSerializationError(err)) {
      request.log.error({ err }, "response did not match its schema");
      return sendError(
        request,
        reply,
        500,
        "Internal Server Error",
        "the server produced an invalid response",
      );
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, "request failed");
      return sendError(
        request,
        reply,
        500,
        "Internal Server Error",
        "an internal error occurred; see the server log",
      );
    }
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return sendError(
        request,
        reply,
        413,
        "payload_too_large",
        `request body is larger than the limit for ${request.routeOptions.url ?? "this route"}`,
      );
    }
    if (
      err.code === "FST_REQ_FILE_TOO_LARGE" ||
      err.code === "FST_FILES_LIMIT" ||
      err.code === "FST_PARTS_LIMIT"
    ) {
      // Multipart limits (POST /analyze/file): the upload is refused, never truncated silently.
      return sendError(request, reply, 413, "payload_too_large", `upload refused: ${err.message}`);
    }
    if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return sendError(request, reply, 415, "unsupported_media_type", err.message);
    }
    if (
      err instanceof SyntaxError ||
      err.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
      err.code === "FST_ERR_CTP_INVALID_JSON_BODY"
    ) {
      return sendError(request, reply, 400, "invalid_json", `request body is not valid JSON: ${err.message}`);
    }
    if (status === 429) {
      return sendError(request, reply, 429, "rate_limited", err.message);
    }
    return status === 400
      ? sendError(request, reply, 400, "bad_request", err.message)
      : sendError(request, reply, status, "request_error", err.message);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, 404, "Not Found", `no route ${request.method} ${request.url.split("?")[0]}`),
  );
}
