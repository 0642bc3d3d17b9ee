// POST /analyze and POST /analyze/file: system 002's contract (../shared/docs/seed-contracts.md §3.3, §3.4).
import type { MultipartFields } from "@fastify/multipart";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import { lineLimitOf } from "../../config/schema.js";
import { UserError } from "../../core/errors.js";
import type { JsonObject } from "../../core/json.js";
import { SEVERITIES } from "../../core/severity.js";
import { isoUtc } from "../../core/time.js";
import { recordFromObject } from "../../parsers/decoders/index.js";
import type { AnalysisInput, Persist } from "../../service/analysis-engine.js";
import type { Runtime } from "../../service/runtime.js";
import {
  countingStreams,
  heldInputs,
  streamOfUpload,
  type UploadTally,
  uploadInputs,
  uploadWarnings,
} from "../../service/upload-records.js";
import { hasScope, requireAuth } from "../auth.js";
import { sendError } from "../errors.js";
import { IDEMPOTENCY_KEY_HEADER } from "../idempotency-key.js";
import { refuseWhilePipelineFull } from "../ingest-admission.js";
import { RateLimiter } from "../rate-limiter.js";
import { errorSchema, jsonObjectSchema } from "../schemas.js";
import { fastApiErrors, readFastApiBodies } from "./fastapi-bodies.js";

const authLog = z
  .looseObject({
    timestamp: z.string().optional().describe('ISO-8601, e.g. "2026-02-01T09:30:00Z"'),
    user: z.string().optional(),
    source_ip: z.string().optional(),
    event_type: z.string().optional().describe("e.g. `login`"),
    action: z.string().optional().describe("e.g. `failed`"),
    message: z.string().optional(),
  })
  .describe("System 002 authentication event; every field optional, extra fields passed through");

const analysisRequest = z.object({ logs: z.array(authLog) }).describe("AnalysisRequest");

const analysisAnomaly = z.object({
  index: z.number().int().describe("0-based position of the record in the request or file"),
  timestamp: z.string().nullable(),
  user: z.string().nullable(),
  source_ip: z.string().nullable(),
  event_type: z.string().nullable(),
  action: z.string().nullable(),
  message: z.string().nullable(),
  anomaly_score: z.number().min(0).max(1),
  severity: z.enum(SEVERITIES),
  reasons: z.array(z.string()),
  detector: z.string().describe("The strongest detector on this record"),
  extra: jsonObjectSchema.describe("The record's other fields"),
});

const analysisResult = z
  .object({
    total_events: z.number().int(),
    anomalies_detected: z.number().int(),
    anomalies: z.array(analysisAnomaly),
    analysis_time_ms: z.number(),
    model_version: z.string(),
    streams: z
      .array(z.object({ service: z.string(), records: z.number().int() }))
      .optional()
      .describe(
        "Logwarden, with ?persist=true only: the streams (`service.name`) the records were stored in, with their counts",
      ),
    lines_cut: z
      .number()
      .int()
      .optional()
      .describe(
        "Logwarden, /analyze/file: lines longer than MAX_LINE_BYTES, cut with a mark and flagged `logwarden.line_cut` (only when some were)",
      ),
    warnings: z
      .object({
        times_not_read: z
          .number()
          .int()
          .describe("Records whose time could not be read from the file: stored with the time of the upload"),
        first_without_time: z.string().describe("Where the first of them is (`line 12`, `log 3`)"),
      })
      .optional()
      .describe("Logwarden, /analyze/file: only when some record's time could not be read"),
  })
  .describe("Analysis result (contracts §3.3)");

/** A stream name given by the client: the `service.name` of records that do not name their own. */
const streamName = z.string().trim().min(1).max(200);

const persistQuery = z.object({
  persist: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .describe("`true`: store the records and their anomalies (needs the `ingest` scope)"),
  service: streamName
    .optional()
    .describe(
      "Stream (`service.name`) of records that name none; default `auth` for /analyze, the file's name for /analyze/file",
    ),
});

/** A `service` form field sent before the file part (busboy hands over fields that precede the file). */
function serviceField(fields: MultipartFields): string | undefined {
  const field = fields.service;
  if (field === undefined) return undefined;
  const value = Array.isArray(field) || field.type !== "field" ? undefined : field.value;
  const parsed = streamName.safeParse(value);
  if (!parsed.success)
    throw new UserError("service: expected a stream name of 1 to 200 characters", "validation_error", 422, [
      { loc: ["body", "service"], msg: "expected a stream name of 1 to 200 characters", type: "value_error" },
    ]);
  return parsed.data;
}

/** FastAPI's 422 for a missing upload (contracts §3.3: clients expect `detail` as a list). */
function missingFile(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(request, reply, 422, "validation_error", "invalid request: file: Field required", [
    { loc: ["body", "file"], msg: "Field required", type: "missing" },
  ]);
}

/**
 * An error from busboy while it reads the multipart body ("Unexpected end of multipart data", "Part terminated
 * early…" when the body ends before its closing boundary) is the client's broken body: a 400. Errors that
 * already carry a status (the plugin's limits) keep it.
 */
function multipartError(error: unknown): unknown {
  if ((error as { statusCode?: number }).statusCode !== undefined || error instanceof UserError) return error;
  return new UserError(
    `the multipart body is malformed: ${(error as Error).message}`,
    "invalid_multipart",
    400,
  );
}

/**
 * The upload's bytes; past ANALYZE_MAX_FILE_BYTES busboy cuts the file, which is refused, never half-read.
 * Only reading the part is guarded by multipartError: errors of whoever consumes the bytes pass by.
 */
async function* withinLimit(file: AsyncIterable<Buffer> & { truncated: boolean }): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of file) {
      if (file.truncated) break;
      yield chunk;
    }
  } catch (error) {
    throw multipartError(error);
  }
  if (file.truncated)
    throw new UserError("the file is larger than ANALYZE_MAX_FILE_BYTES", "payload_too_large", 413);
}

/**
 * System 002's analysis of authentication events, sent as JSON or uploaded as a file (contracts §3.3,
 * §3.4). `/models/load` is in models.ts, `/stats` in stats.ts, health routes in health.ts.
 */
export function analyzeRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const limits = rt.config.limits;
    const analyzeLimiter = limits.analyze ? new RateLimiter(limits.analyze, rt.clock) : null;

    await readFastApiBodies(app, rt);

    /** slowapi's per-IP budget on the analysis routes (contracts §3.4), counted after authentication. */
    const analyzeBudget = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!analyzeLimiter) return undefined;
      const decision = analyzeLimiter.hit(request.ip);
      if (decision.allowed) return undefined;
      reply.header("retry-after", String(decision.retryAfterSecs));
      const literal = `Rate limit exceeded: ${analyzeLimiter.rate.label}`;
      return reply.code(429).send({
        error: literal,
        message: `${literal}; retry in ${decision.retryAfterSecs} s`,
        detail: literal,
      });
    };
    const readAuth = requireAuth(rt, { group: "analyze", scope: "read" });
    /** Stored analyses are refused before their body is read while the pipeline is full. */
    const refuseStoredWhileFull = refuseWhilePipelineFull(rt, (request) => {
      const persist = (request.query as { persist?: unknown }).persist;
      return persist === "true" || persist === "1";
    });

    /** `?persist=true` writes: it needs the `ingest` scope (or both groups opened). */
    const persistFor = (request: FastifyRequest, persist: string | undefined): Persist | undefined => {
      if (persist !== "true" && persist !== "1") return undefined;
      // A stored analysis commits its records 2,000 at a time as it reads them: a resend after a failure
      // half-way could not be answered like the first, so a key is refused rather than silently not kept
      // (without `persist` nothing is stored, and a key changes nothing).
      if (request.headers[IDEMPOTENCY_KEY_HEADER] !== undefined)
        throw new UserError(
          "Idempotency-Key is not taken with ?persist=true; send records to be stored exactly once to POST /ingest or POST /v1/logs with the key",
          "bad_request",
        );
      const open = rt.config.openRoutes.includes("analyze") && rt.config.openRoutes.includes("ingest");
      if (!open && !hasScope(request, "ingest")) {
        throw request.principal
          ? new UserError("persist=true needs a token with the 'ingest' scope", "Forbidden", 403)
          : new UserError("persist=true needs a bearer token with the 'ingest' scope", "Unauthorized", 401);
      }
      return { submit: (records) => rt.ingest.submit(records), detects: rt.cluster === undefined };
    };
    const context = (defaultService: string) => ({ observedAt: isoUtc(rt.clock.now()), defaultService });
    /** The analysis; a stored one also says which streams its records went to. */
    const analyzeCounting = async (
      inputs: Iterable<AnalysisInput> | AsyncIterable<AnalysisInput>,
      persist?: Persist,
    ) => {
      if (!persist) return rt.analysis.analyze(inputs);
      const counting = countingStreams(inputs);
      const result = await rt.analysis.analyze(counting.inputs, { persist });
      return { ...result, streams: counting.counts() };
    };

    r.post(
      "/analyze",
      {
        onRequest: refuseStoredWhileFull,
        preHandler: [readAuth, analyzeBudget],
        bodyLimit: limits.analyzeMaxBodyBytes,
        schema: {
          summary: "Analyse authentication events (system 002); stored only with ?persist=true",
          tags: ["system 002"],
          querystring: persistQuery,
          body: analysisRequest,
          response: { 200: analysisResult, ...fastApiErrors, 503: errorSchema },
        },
      },
      async (request) => {
        const persist = persistFor(request, request.query.persist);
        // System 002's records are authentication events (contracts §3.2): their stream is `auth`.
        const ctx = context(request.query.service ?? "auth");
        const tally: UploadTally = { linesCut: 0 };
        const inputs = heldInputs(
          request.body.logs.map((log) => {
            const original = log as JsonObject;
            return { record: recordFromObject(original, ctx), original };
          }),
          lineLimitOf(rt.config),
          tally,
        );
        const result = await analyzeCounting(inputs, persist);
        return tally.linesCut > 0 ? { ...result, lines_cut: tally.linesCut } : result;
      },
    );

    r.post(
      "/analyze/file",
      {
        onRequest: refuseStoredWhileFull,
        preHandler: [readAuth, analyzeBudget],
        // The body is a multipart stream read by the handler; the schema documents it for OpenAPI only.
        validatorCompiler: ({ schema, method, url, httpPart }) =>
          httpPart === "body"
            ? (data: unknown) => ({ value: data })
            : // Fastify passes the part's schema (typed as the whole route schema).
              validatorCompiler({
                schema: schema as unknown as z.ZodType,
                method,
                url,
                ...(httpPart ? { httpPart } : {}),
              }),
        schema: {
          summary:
            'Analyse an uploaded log file (system 002): JSON array, {"logs": [...]}, NDJSON or text lines',
          tags: ["system 002"],
          consumes: ["multipart/form-data"],
          querystring: persistQuery,
          body: z.object({
            file: z.string().meta({ format: "binary" }).describe("The log file (form field `file`)"),
            service: streamName
              .optional()
              .describe("Stream of records that name none (default: the file's name); send it before `file`"),
          }),
          response: { 200: analysisResult, 400: errorSchema, ...fastApiErrors, 503: errorSchema },
        },
      },
      async (request, reply) => {
        const persist = persistFor(request, request.query.persist);
        if (!request.isMultipart()) return missingFile(request, reply);
        const part = await request.file().catch((error: unknown) => {
          throw multipartError(error);
        });
        if (part?.fieldname !== "file") {
          part?.file.resume();
          return missingFile(request, reply);
        }
        // Named as `logwarden analyze FILE` names it, unless the client names the stream.
        let stream: string;
        try {
          stream =
            request.query.service ?? serviceField(part.fields) ?? streamOfUpload(part.filename, "upload");
        } catch (error) {
          part.file.resume();
          throw error;
        }
        const tally: UploadTally = { linesCut: 0 };
        const inputs = uploadInputs(
          withinLimit(part.file),
          context(stream),
          lineLimitOf(rt.config),
          tally,
          part.filename ?? null,
        );
        const result = await analyzeCounting(inputs, persist);
        return {
          ...result,
          ...(tally.linesCut > 0 ? { lines_cut: tally.linesCut } : {}),
          ...uploadWarnings(tally),
        };
      },
    );
  };
}
