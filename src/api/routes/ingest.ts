// POST /ingest: system 004's contract (../shared/docs/seed-contracts.md §5.2).
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { DecodedIngestRecords } from "../../service/decoded-ingest-records.js";
import { finishIngest, ingestAnswer, ingestLogs } from "../../service/ingest.js";
import type { IngestLog } from "../../service/ingest-records.js";
import type { Runtime } from "../../service/runtime.js";
import { requireAuth } from "../auth.js";
import { digestKeyedBody, keyedHeaders, keyedRequest, sendKeyed } from "../idempotency-key.js";
import { refuseWhilePipelineFull } from "../ingest-admission.js";
import { waitForParseTurn } from "../parse-turns.js";
import { errorSchema } from "../schemas.js";
import { ingestValidatorCompiler } from "./ingest-log-check.js";
import { incident, ingestLog, readLogBodies } from "./log-objects.js";

/** An array of log objects; a single object is taken as a one-element array (contracts §5.2). */
const ingestBody = z.preprocess(
  (body) => (Array.isArray(body) ? body : [body]),
  z.array(ingestLog).min(1, "at least one log is required"),
);

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
      times_not_read: z
        .number()
        .int()
        .optional()
        .describe(
          "Logs that gave no `timestamp` and whose message had no time Logwarden could read: stored with the time they were received (only when some were; not in `count`)",
        ),
    })
    .optional()
    .describe(
      'Logwarden: only when some log had a value it could not use, e.g. `"timestamp": "yesterday"`, or no time at all',
    ),
});

/** System 004's logs analyzer backend: store logs, score each service, open incidents (contracts §5.2). */
export function ingestRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    // JSON and NDJSON bodies; large NDJSON bodies are decoded on a decode thread, started when the
    // server listens (not under inject).
    const decoder = readLogBodies(app, rt);
    app.addHook("onListen", async () => {
      decoder.warm();
    });
    app.addHook("onClose", () => decoder.stop());

    r.post(
      "/ingest",
      {
        onRequest: refuseWhilePipelineFull(rt),
        // The body is read and parsed when those ahead of it leave room (`parse-turns.ts`); a keyed
        // request's bytes are hashed on their way to the parser.
        preParsing: [waitForParseTurn(rt, (bytes) => decoder.takes(bytes)), digestKeyedBody],
        preHandler: requireAuth(rt, { group: "ingest", scope: "ingest" }),
        bodyLimit: rt.config.ingest.maxBodyBytes,
        // Well-formed bodies skip zod's per-log rebuild; anything else gets zod's checks and wording.
        validatorCompiler: ingestValidatorCompiler,
        schema: {
          summary: "Store logs, score each service, open incidents (system 004)",
          tags: ["system 004"],
          headers: keyedHeaders,
          body: ingestBody,
          response: {
            200: ingestResponse,
            400: errorSchema,
            401: errorSchema,
            413: errorSchema,
            415: errorSchema,
            422: errorSchema.describe("`Idempotency-Key` sent before with another body"),
            503: errorSchema,
          },
        },
      },
      async (request, reply) => {
        // The body as parsed here, or decoded on a thread (`ingestValidatorCompiler` lets that through).
        const body = request.body as IngestLog[] | DecodedIngestRecords;
        const keyed = keyedRequest(request, "POST /ingest");
        if (!keyed) return ingestLogs(rt, body);
        const outcome = await rt.idempotency.run(keyed, {
          fresh: async (attempt) => ingestAnswer(await ingestLogs(rt, body, attempt)),
          finish: async (attempt, partial) => ingestAnswer(await finishIngest(rt, body, partial, attempt)),
        });
        return sendKeyed(reply, outcome);
      },
    );
  };
}
