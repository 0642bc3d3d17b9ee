import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { isoUtc } from "../../core/time.js";
import { DecodedIngestRecords } from "../../service/decoded-ingest-records.js";
import { ingestLogs } from "../../service/ingest.js";
import { type IngestLog, recordFromIngestLog } from "../../service/ingest-records.js";
import type { Runtime } from "../../service/runtime.js";
import { groupFeatures } from "../../service/scoring.js";
import { countIncidents, listIncidents } from "../../store/repos/incidents.js";
import { requireAuth } from "../auth.js";
import { refuseWhilePipelineFull } from "../ingest-admission.js";
import { ingestDecodeThreadsOf } from "../ingest-decode/decode-threads.js";
import { waitForParseTurn } from "../parse-turns.js";
import { errorSchema, jsonObjectSchema, queryInt } from "../schemas.js";
import { ingestValidatorCompiler } from "./ingest-log-check.js";
import { parseNdjsonLines } from "./ndjson-lines.js";

const ingestLog = z
  .object({
    timestamp: z.string().optional().describe("ISO-8601, any offset, up to 9 fractional digits"),
    service: z.string().optional().describe("Producing service, e.g. `auth`"),
    level: z.string().optional().describe("DEBUG, INFO, WARN, ERROR, FATAL (any case)"),
    message: z.string().describe("The log message"),
    metadata: jsonObjectSchema.optional().describe('Free-form fields, e.g. `{"ip": "10.0.0.12"}`'),
  })
  .describe("System 004 log object");

/** An array of log objects; a single object is taken as a one-element array (contracts §5.2). */
const ingestBody = z.preprocess(
  (body) => (Array.isArray(body) ? body : [body]),
  z.array(ingestLog).min(1, "at least one log is required"),
);

const incident = z.object({
  id: z.number().int(),
  detected_at: z.string(),
  service: z.string().nullable(),
  severity: z.string(),
  summary: z.string(),
  features: jsonObjectSchema,
  status: z.string(),
});

const ingestResponse = z.object({
  ingested: z.number().int(),
  scores: z.array(z.object({ service: z.string(), score: z.number() })),
  incidents: z.array(incident),
  ml_error: z.string().optional(),
  warnings: z
    .object({
      count: z
        .number()
        .int()
        .describe("Logs with a value that was not taken as given (each is still stored)"),
      samples: z
        .array(
          z.object({
            index: z.number().int().describe("0-based position of the log in the request"),
            field: z.enum(["timestamp", "level", "service", "message", "metadata"]),
            message: z.string().describe("What was wrong and what was stored instead"),
          }),
        )
        .describe("The first few warnings"),
    })
    .optional()
    .describe('Logwarden: only when some log had a value it could not use, e.g. `"timestamp": "yesterday"`'),
});

/** System 004: the logs analyzer backend and its ML scoring service (contracts §5). */
export function system004Routes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    // System 004 reads JSON and NDJSON only. Fastify would read text/plain as a string, which fails
    // validation as "expected object"; without its parser, text/plain is 415 like any unread type.
    app.removeContentTypeParser("text/plain");

    // Large bodies are decoded on a decode thread, started when the server listens (not under inject).
    const decoder = ingestDecodeThreadsOf(rt);
    app.addHook("onListen", async () => {
      decoder.warm();
    });
    app.addHook("onClose", () => decoder.stop());

    // Bulk ingest: one JSON log object per line, read from the body's bytes line by line.
    app.addContentTypeParser(
      ["application/x-ndjson", "application/ndjson"],
      { parseAs: "buffer" },
      (_req, body, done) => {
        const bytes = body as Buffer;
        const onLoop = () => {
          let logs: unknown[];
          try {
            logs = parseNdjsonLines(bytes);
          } catch (error) {
            done(error as Error, undefined);
            return;
          }
          done(null, logs);
        };
        if (!decoder.takes(bytes.length)) return onLoop();
        decoder
          .decode(bytes, isoUtc(rt.clock.now()))
          .then((decoded) => (decoded ? done(null, new DecodedIngestRecords(decoded)) : onLoop()), onLoop);
      },
    );

    r.post(
      "/ingest",
      {
        onRequest: refuseWhilePipelineFull(rt),
        // The body is read and parsed when those ahead of it leave room (`parse-turns.ts`).
        preParsing: waitForParseTurn(rt, (bytes) => decoder.takes(bytes)),
        preHandler: requireAuth(rt, { group: "ingest", scope: "ingest" }),
        bodyLimit: rt.config.ingest.maxBodyBytes,
        // Well-formed bodies skip zod's per-log rebuild; anything else gets zod's checks and wording.
        validatorCompiler: ingestValidatorCompiler,
        schema: {
          summary: "Store logs, score each service, open incidents (system 004)",
          tags: ["system 004"],
          body: ingestBody,
          response: {
            200: ingestResponse,
            400: errorSchema,
            401: errorSchema,
            413: errorSchema,
            415: errorSchema,
            503: errorSchema,
          },
        },
      },
      // The body as parsed here, or decoded on a thread (`ingestValidatorCompiler` lets that through).
      async (request) => ingestLogs(rt, request.body as IngestLog[] | DecodedIngestRecords),
    );

    r.get(
      "/incidents",
      {
        preHandler: requireAuth(rt, { group: "incidents", scope: "read" }),
        schema: {
          summary: "Incidents, newest first (system 004)",
          tags: ["system 004"],
          description:
            "The body is system 004's bare array. With `with_total=true`, `X-Total-Count` says how many incidents there are.",
          querystring: z.object({
            limit: queryInt("limit").optional(),
            offset: queryInt("offset").optional(),
            with_total: z
              .enum(["true", "false"])
              .optional()
              .describe("Logwarden: `true` adds `X-Total-Count` (the body stays system 004's array)"),
          }),
          response: { 200: z.array(incident), 400: errorSchema, 401: errorSchema },
        },
      },
      async (request, reply) => {
        const { limit, offset, with_total } = request.query;
        // The total travels in a header: system 004's clients read the body as a bare array.
        if (with_total === "true")
          reply.header("x-total-count", String(await countIncidents(rt.store.db, {})));
        return listIncidents(rt.store.db, { limit: limit ?? 100, offset: offset ?? 0 });
      },
    );

    r.get(
      "/meta",
      {
        preHandler: requireAuth(rt, { group: "meta", scope: "read" }),
        schema: {
          summary: "Deployed commit, model version and start time (system 004)",
          tags: ["system 004"],
          response: {
            200: z.object({
              git: z.string().nullable(),
              model: z.string().nullable(),
              started_at: z.string(),
            }),
          },
        },
      },
      async () => ({ git: rt.gitCommit, model: rt.config.modelVersion ?? null, started_at: rt.startedAt }),
    );

    r.post(
      "/score",
      {
        preHandler: requireAuth(rt, { group: "score", scope: "read" }),
        schema: {
          summary: "Score a group of logs without storing them (system 004's ML service)",
          tags: ["system 004"],
          body: z.preprocess(
            (body) => (typeof body === "object" && body !== null && "logs" in body ? body : { logs: [body] }),
            z.object({ logs: z.array(ingestLog) }),
          ),
          response: {
            200: z.object({ score: z.number(), model: z.string(), features: jsonObjectSchema }),
            400: errorSchema,
          },
        },
      },
      async (request) => {
        const logs = request.body.logs;
        const now = isoUtc(rt.clock.now());
        const features = groupFeatures(logs.map((l) => recordFromIngestLog(l, now)));
        const model = rt.scoreModel;
        return { score: model.score(features), model: model.version, features };
      },
    );

    r.get(
      "/model-info",
      {
        preHandler: requireAuth(rt, { group: "score", scope: "read" }),
        schema: {
          summary: "The scoring model (system 004's ML service)",
          tags: ["system 004"],
          response: { 200: jsonObjectSchema },
        },
      },
      async () => rt.scoreModel.info,
    );
  };
}
