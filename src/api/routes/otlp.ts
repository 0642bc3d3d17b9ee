import { promisify } from "node:util";
import { gunzip, inflate } from "node:zlib";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { lineLimitOf } from "../../config/schema.js";
import { BackpressureError, UserError } from "../../core/errors.js";
import { type JsonValue, parseJson } from "../../core/json.js";
import { LINE_CUT, lineTooLong } from "../../core/line-limit.js";
import { isoUtc } from "../../core/time.js";
import type { IdempotentAnswer, KeyedAttempt } from "../../service/idempotent-requests.js";
import type { Runtime } from "../../service/runtime.js";
import { recordsFromExportRequest } from "../../sources/otlp/to-records.js";
import { requireAuth } from "../auth.js";
import { digestKeyedBody, keyedHeaders, keyedRequest, sendKeyed } from "../idempotency-key.js";
import { earlyRefusal } from "../ingest-admission.js";

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

const PROTOBUF_TYPES = ["application/x-protobuf", "application/protobuf"];

/** gRPC status codes used in OTLP error bodies. */
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;
const FAILED_PRECONDITION = 9;
const UNAVAILABLE = 14;

function isProtobuf(contentType: string | undefined): boolean {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return PROTOBUF_TYPES.includes(type);
}

const partialSuccess = z.object({
  rejectedLogRecords: z.union([z.string(), z.number()]).optional(),
  errorMessage: z.string().optional(),
});

/**
 * OTLP/HTTP logs receiver (`POST /v1/logs`): an `ExportLogsServiceRequest` as protobuf
 * (`application/x-protobuf`) or OTLP/JSON (`application/json`), optionally gzip-compressed. Answers
 * with an `ExportLogsServiceResponse` in the request's encoding once the records are committed;
 * errors carry a `google.rpc.Status` (JSON bodies also carry the usual `error` code). A full pipeline
 * answers 503 with `Retry-After`, which OTLP exporters retry.
 */
/**
 * The protobuf codec (protobufjs and the OTLP schema) loads with the first protobuf request: 0.08 s of CPU
 * at every start of a server that may only ever see OTLP/JSON, or no OTLP at all.
 */
let protobufCodec: Promise<typeof import("../../sources/otlp/codec.js")> | undefined;
const codec = () => (protobufCodec ??= import("../../sources/otlp/codec.js"));

/**
 * An error answer of this route: the handler's google.rpc.Status (`code`, `message`), or the one error
 * body (`error`, `message`, `details`) when Fastify's hooks or schema answer first.
 */
const otlpOrErrorBody = z.object({
  code: z.number().optional(),
  message: z.string(),
  error: z.string().optional(),
  details: z.array(z.unknown()).optional(),
});

export function otlpRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const bodyLimit = rt.config.ingest.maxBodyBytes;
    // Scoped to this plugin: the raw bytes are needed for protobuf, gzip and exact JSON error reporting.
    app.removeContentTypeParser("application/json");
    // OTLP/HTTP is protobuf or JSON; without this, text/plain was read as a string and parsed as JSON.
    app.removeContentTypeParser("text/plain");
    app.addContentTypeParser(
      ["application/json", ...PROTOBUF_TYPES],
      { parseAs: "buffer", bodyLimit },
      (_req, body, done) => done(null, body),
    );

    const send = async (
      reply: FastifyReply,
      proto: boolean,
      status: number,
      code: number,
      message: string,
      errorCode?: string,
    ) => {
      if (proto)
        return reply
          .code(status)
          .type("application/x-protobuf")
          .send(Buffer.from((await codec()).encodeStatus(code, message)));
      const error =
        errorCode ?? (status === 503 ? "overloaded" : status === 413 ? "payload_too_large" : "bad_request");
      return reply.code(status).type("application/json").send(JSON.stringify({ code, message, error }));
    };

    app.withTypeProvider<ZodTypeProvider>().post(
      "/v1/logs",
      {
        // Refused from the headers while the pipeline is full: reading the body would only cost CPU.
        onRequest: async (request, reply) => {
          const refusal = earlyRefusal(rt, request, reply);
          if (!refusal) return;
          reply.header("retry-after", String(refusal.retryAfterSecs));
          return send(reply, isProtobuf(request.headers["content-type"]), 503, UNAVAILABLE, refusal.message);
        },
        preHandler: requireAuth(rt, { group: "ingest", scope: "ingest" }),
        // A keyed request's bytes (as sent, compressed or not) are hashed on their way to the parser.
        preParsing: digestKeyedBody,
        bodyLimit,
        schema: {
          summary: "OpenTelemetry OTLP/HTTP log export (protobuf or JSON)",
          description:
            "Body: `ExportLogsServiceRequest` as `application/x-protobuf` or OTLP/JSON `application/json` " +
            "(`Content-Encoding: gzip` accepted). Response: `ExportLogsServiceResponse` in the same encoding.",
          tags: ["ingest"],
          headers: keyedHeaders,
          body: z.unknown().describe("ExportLogsServiceRequest"),
          response: {
            200: z
              .object({ partialSuccess: partialSuccess.optional() })
              .describe("ExportLogsServiceResponse"),
            // A google.rpc.Status from the handler; the one error body when the request fails its schema
            // (a malformed Idempotency-Key) before the handler runs.
            400: otlpOrErrorBody.describe("google.rpc.Status, or the error body for a malformed header"),
            413: z
              .object({ code: z.number().optional(), message: z.string(), error: z.string() })
              .describe(
                "The body, or the body decompressed, is over INGEST_MAX_BODY_BYTES (a google.rpc.Status in protobuf)",
              ),
            422: z
              .object({ code: z.number(), message: z.string(), error: z.string() })
              .describe("`Idempotency-Key` sent before with another body (a google.rpc.Status in protobuf)"),
            503: otlpOrErrorBody.describe(
              "google.rpc.Status, or the error body when the server turns it away",
            ),
          },
        },
      },
      async (request, typedReply) => {
        // Bodies are sent pre-encoded (protobuf bytes or JSON text), so the untyped reply is the honest one.
        const reply = typedReply as unknown as FastifyReply;
        const proto = isProtobuf(request.headers["content-type"]);
        let raw = request.body as Buffer;
        const encoding = String(request.headers["content-encoding"] ?? "identity").toLowerCase();
        let request_: JsonValue;
        try {
          // Decompressed, a body is held to the limit an uncompressed one has. At eight times it, a gzipped
          // export over the limit was stored (2 MiB in 2 KiB of gzip past a 1 MiB limit), and by default
          // a few hundred KiB on the wire could become 128 MiB to allocate and parse.
          const opts = { maxOutputLength: bodyLimit };
          if (encoding === "gzip") raw = await gunzipAsync(raw, opts);
          else if (encoding === "deflate") raw = await inflateAsync(raw, opts);
          else if (encoding !== "identity") throw new Error(`unsupported Content-Encoding '${encoding}'`);
          request_ = proto
            ? (await codec()).decodeExportRequest(raw)
            : (parseJson(raw.toString("utf8")) as JsonValue);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
            request.log.warn(
              { encoding, compressedBytes: (request.body as Buffer).length, maxBodyBytes: bodyLimit },
              "OTLP body refused: larger than INGEST_MAX_BODY_BYTES once decompressed",
            );
            return send(
              reply,
              proto,
              413,
              RESOURCE_EXHAUSTED,
              `the body is larger than ${bodyLimit} bytes once decompressed (INGEST_MAX_BODY_BYTES)`,
            );
          }
          return send(
            reply,
            proto,
            400,
            INVALID_ARGUMENT,
            `cannot decode the request: ${(error as Error).message}`,
          );
        }
        const limit = lineLimitOf(rt.config);
        const { records, rejected, errors, cut, tooLong } = recordsFromExportRequest(
          request_,
          isoUtc(rt.clock.now()),
          limit,
        );
        if (errors.length > 0 && records.length === 0 && rejected === 0)
          return send(reply, proto, 400, INVALID_ARGUMENT, errors.join("; "));
        // LINE_TOO_LONG=refuse: nothing of the export is stored.
        if (tooLong !== null)
          return send(
            reply,
            proto,
            413,
            INVALID_ARGUMENT,
            lineTooLong(tooLong, limit.maxBytes).message,
            "line_too_long",
          );
        // OTLP's partial success with nothing rejected is how a receiver warns (the cut bodies).
        const answer = async (): Promise<IdempotentAnswer> => {
          const message = [
            rejected > 0 ? `${rejected} log records were not objects and were rejected` : "",
            cut > 0
              ? `${cut} log record bodies were longer than MAX_LINE_BYTES (${limit.maxBytes}) and were cut, flagged ${LINE_CUT}`
              : "",
          ]
            .filter((m) => m !== "")
            .join("; ");
          if (proto)
            return {
              status: 200,
              type: "application/x-protobuf",
              body: (await codec()).encodeExportResponse(rejected, message),
            };
          const body =
            message !== ""
              ? { partialSuccess: { rejectedLogRecords: String(rejected), errorMessage: message } }
              : {};
          return { status: 200, type: "application/json", body: Buffer.from(JSON.stringify(body)) };
        };
        // A keyed export's answer is recorded once its records are stored (or handed off).
        const answerRecorded = async (attempt: KeyedAttempt) => {
          const given = await answer();
          await rt.store.transaction((tx) => attempt.recordAnswer(tx.db, given));
          return given;
        };
        const keyed = keyedRequest(request, "POST /v1/logs");
        try {
          if (!keyed) {
            await rt.ingest.submit(records);
            return sendKeyed(reply, { answer: await answer(), replayed: false });
          }
          const outcome = await rt.idempotency.run(keyed, {
            fresh: async (attempt) => {
              await rt.ingest.submit(records, undefined, { idempotent: attempt.submission() });
              return answerRecorded(attempt);
            },
            // Stored by an attempt that stopped before it answered: the same answer, nothing stored again.
            finish: (attempt) => answerRecorded(attempt),
          });
          return sendKeyed(reply, outcome);
        } catch (error) {
          if (error instanceof UserError && error.code === "idempotency_key_reused")
            return send(reply, proto, 422, FAILED_PRECONDITION, error.message, error.code);
          if (!(error instanceof BackpressureError)) throw error;
          reply.header("retry-after", String(error.retryAfterSecs));
          return send(reply, proto, 503, UNAVAILABLE, error.message);
        }
      },
    );
  };
}
