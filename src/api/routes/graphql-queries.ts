// POST /anomalies and /history, /model, /analyze, /stats of a query hash: system 003's contract (../shared/docs/seed-contracts.md §4).
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import { z } from "zod";
import { HasuraService, RequestError } from "../../hasura/service.js";
import { parseSingleRecord, validateAnomaliesRequest } from "../../hasura/validate.js";
import type { Runtime } from "../../service/runtime.js";
import type { Scope } from "../../store/repos/tokens.js";
import { describeGuard, requireAuth } from "../auth.js";
import { sendError } from "../errors.js";
import { jsonObjectSchema } from "../schemas.js";

const TAG = "system 003 (Hasura DDN)";
const queryId = z.object({
  query_id: z.string().describe("The query hash: MD5 hex of the GraphQL query text"),
});

const errorBody = z
  .looseObject({
    error: z.string().describe("The contract's literal, e.g. `Missing required headers`"),
    message: z.string().optional(),
    missing: z.array(z.string()).optional(),
    details: z.unknown().optional(),
    timestamp: z.string().optional(),
    status: z.string().optional(),
  })
  .describe("System 003 error (contracts §4.3, §4.10)");

const anomaliesRequest = z
  .object({
    session: z
      .object({ role: z.string(), variables: z.record(z.string(), z.unknown()) })
      .nullable()
      .optional(),
    rawRequest: z.object({
      query: z.string().nullable(),
      variables: jsonObjectSchema.nullable(),
      operationName: z.string().nullable(),
    }),
    response: z.looseObject({ data: z.record(z.string(), z.unknown()).nullable().optional() }),
  })
  .describe("What the DDN engine's pre-response plugin hook sends (contracts §4.1)");

const anomaliesResponse = z.object({
  results: z.record(z.string(), jsonObjectSchema).describe("Per dataset (root field or alias) result, §4.6"),
  metadata: z.looseObject({
    timestamp: z.string(),
    query_hash: z.string(),
    operation_name: z.string().nullable(),
    total_records: z.number().int(),
    total_anomalies: z.number().int(),
    datasets_processed: z.number().int(),
    datasets_skipped: z.array(z.string()),
    status: z.literal("completed"),
  }),
});

const modelInfo = jsonObjectSchema.describe(
  "`{status: no_model}`, `{status: active, …}` or `{status: error, error}`",
);

/** The paths of system 003 and the methods each serves; the others answer 405 (contracts §4.2). */
const PATHS: [string, HTTPMethods[]][] = [
  ["/anomalies", ["POST"]],
  ["/history/:query_id", ["GET", "DELETE"]],
  ["/model/:query_id", ["GET"]],
  ["/analyze/:query_id", ["POST"]],
  ["/stats/:query_id", ["GET"]],
];
const ALL_METHODS: HTTPMethods[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

const sha256 = (s: string) => createHash("sha256").update(s).digest();

/**
 * Who may call system 003 (contracts §4.2, §6.3 C5): the engine's `hasura-m-auth` when it equals
 * `M_AUTH_KEY` (constant time), else a bearer token with `scope`. A wrong `hasura-m-auth` is a 401 even
 * when a bearer token is also sent: the engine never sends both, so a mismatch means misconfiguration.
 */
function hasuraAuth(rt: Runtime, scope: Scope) {
  const bearer = requireAuth(rt, { scope });
  const key = rt.config.hasura.mAuthKey;
  const expected = key ? sha256(key) : null;
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    const given = request.headers["hasura-m-auth"];
    if (expected && typeof given === "string") {
      if (timingSafeEqual(sha256(given), expected)) return undefined;
      return sendError(request, reply, 401, "Unauthorized", "hasura-m-auth does not match M_AUTH_KEY");
    }
    return bearer(request, reply);
  };
  return describeGuard(guard, expected ? { scope, otherCredential: "hasura-m-auth" } : { scope });
}

/** System 003: the Hasura DDN anomaly plugin (contracts §4), on the one listener. */
export function graphqlQueryRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const service = new HasuraService(rt.config.hasura, rt.store, rt.clock, rt.log);
    if (!rt.config.hasura.mAuthKey) {
      rt.log.info("M_AUTH_KEY is unset: system 003's routes (POST /anomalies…) need a bearer token");
    }
    // Retention (contract §4.11): once a day (RETENTION_CLEANUP_INTERVAL_SECS); the first pass a minute after start.
    const runCleanup = () =>
      service
        .cleanup()
        .then((summary) => rt.log.info({ summary }, "hasura retention cleanup"))
        .catch((error: unknown) => rt.log.error({ err: error }, "hasura retention cleanup failed"));
    const intervalMs = rt.config.hasura.cleanupIntervalSecs * 1000;
    const first = setTimeout(runCleanup, Math.min(60_000, intervalMs)).unref();
    const daily = setInterval(runCleanup, intervalMs).unref();
    app.addHook("onClose", async () => {
      clearTimeout(first);
      clearInterval(daily);
    });

    // The body is read raw: §4.3 checks the role header before the body is parsed, and a body that
    // is not JSON is the contract's 400, not the app's generic one.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    const rawBody = { validatorCompiler: () => (data: unknown) => ({ value: data }) };
    const bodyOf = (request: FastifyRequest) => (Buffer.isBuffer(request.body) ? request.body : undefined);
    const failure = (reply: FastifyReply, status: number, prefix: string, error: unknown) => {
      if (status >= 500) rt.log.error({ err: error }, prefix);
      const error_ = `${prefix}: ${(error as Error).message ?? String(error)}`;
      return reply
        .code(status)
        .send({ error: error_, message: error_, timestamp: service.now(), status: "error" });
    };

    app.post(
      "/anomalies",
      {
        ...rawBody,
        bodyLimit: rt.config.ingest.maxBodyBytes,
        preHandler: hasuraAuth(rt, "ingest"),
        schema: {
          summary: "Analyse a GraphQL response for anomalies (the DDN pre-response plugin hook)",
          tags: [TAG],
          headers: z.looseObject({
            "x-hasura-role": z.string().optional().describe("Required unless the body's session.role is set"),
            "x-hasura-user": z.string().optional(),
            "hasura-m-auth": z.string().optional().describe("Must equal M_AUTH_KEY when that is set"),
          }),
          body: anomaliesRequest,
          response: { 200: anomaliesResponse, 400: errorBody, 401: errorBody, 500: errorBody },
        },
      },
      async (request, reply) => {
        const v = validateAnomaliesRequest({
          headers: request.headers,
          contentType: request.headers["content-type"],
          body: bodyOf(request),
          timestamp: service.now(),
        });
        if (!v.ok) return reply.code(400).send({ ...v.body, message: v.body.error });
        try {
          return await service.processAnomalies(v.ctx, v.data);
        } catch (error) {
          if (!(error instanceof RequestError)) rt.log.error({ err: error }, "POST /anomalies failed");
          const details = (error as Error).message;
          return reply.code(500).send({
            error: "Internal server error",
            message: details,
            details,
            timestamp: v.ctx.timestamp,
            status: "error",
          });
        }
      },
    );

    app.get(
      "/history/:query_id",
      {
        preHandler: hasuraAuth(rt, "read"),
        schema: {
          summary: "Stored history of a query hash",
          tags: [TAG],
          params: queryId,
          response: {
            200: z.object({
              query_hash: z.string(),
              record_count: z.number().int(),
              data: z.array(z.unknown()),
              timestamp: z.string(),
            }),
            401: errorBody,
            500: errorBody,
          },
        },
      },
      async (request, reply) => {
        const { query_id } = request.params as { query_id: string };
        try {
          const { count, data } = await service.history(query_id);
          return { query_hash: query_id, record_count: count, data, timestamp: service.now() };
        } catch (error) {
          return failure(reply, 500, "Error retrieving history", error);
        }
      },
    );

    app.delete(
      "/history/:query_id",
      {
        preHandler: hasuraAuth(rt, "ingest"),
        schema: {
          summary: "Clear a query hash's history (the model stays)",
          tags: [TAG],
          params: queryId,
          response: {
            200: z.object({
              success: z.boolean(),
              query_hash: z.string(),
              timestamp: z.string(),
              message: z.string(),
            }),
            401: errorBody,
          },
        },
      },
      async (request) => {
        const { query_id } = request.params as { query_id: string };
        let success = true;
        try {
          await service.clearHistory(query_id);
        } catch (error) {
          rt.log.error({ err: error, query_hash: query_id }, "could not clear history");
          success = false;
        }
        return {
          success,
          query_hash: query_id,
          timestamp: service.now(),
          message: success ? "History cleared successfully" : "Error clearing history",
        };
      },
    );

    app.get(
      "/model/:query_id",
      {
        preHandler: hasuraAuth(rt, "read"),
        schema: {
          summary: "Model information of a query hash",
          tags: [TAG],
          params: queryId,
          response: {
            200: z.object({ query_hash: z.string(), model_info: modelInfo, timestamp: z.string() }),
            401: errorBody,
            500: errorBody,
          },
        },
      },
      async (request, reply) => {
        const { query_id } = request.params as { query_id: string };
        try {
          return {
            query_hash: query_id,
            model_info: await service.modelInfo(query_id),
            timestamp: service.now(),
          };
        } catch (error) {
          return failure(reply, 500, "Error retrieving model info", error);
        }
      },
    );

    app.post(
      "/analyze/:query_id",
      {
        ...rawBody,
        bodyLimit: rt.config.ingest.maxBodyBytes,
        preHandler: hasuraAuth(rt, "ingest"),
        schema: {
          summary: "Analyse one record under a query hash (history and model are updated)",
          tags: [TAG],
          params: queryId,
          body: jsonObjectSchema.describe("One record"),
          response: {
            200: z.object({ query_hash: z.string(), analysis: jsonObjectSchema, timestamp: z.string() }),
            400: errorBody,
            401: errorBody,
            500: errorBody,
          },
        },
      },
      async (request, reply) => {
        const { query_id } = request.params as { query_id: string };
        const parsed = parseSingleRecord({
          contentType: request.headers["content-type"],
          body: bodyOf(request),
        });
        if (!parsed.ok) return failure(reply, 400, "Error analyzing record", new Error(parsed.reason));
        try {
          const analysis = await service.analyzeOne(query_id, parsed.record);
          return { query_hash: query_id, analysis, timestamp: service.now() };
        } catch (error) {
          return failure(reply, 500, "Error analyzing record", error);
        }
      },
    );

    app.get(
      "/stats/:query_id",
      {
        preHandler: hasuraAuth(rt, "read"),
        schema: {
          summary: "History size and model information of a query hash",
          tags: [TAG],
          params: queryId,
          response: {
            200: z.object({
              query_hash: z.string(),
              historical_records: z.number().int(),
              model_info: modelInfo,
              timestamp: z.string(),
              status: z.literal("active"),
            }),
            401: errorBody,
            500: errorBody,
          },
        },
      },
      async (request, reply) => {
        const { query_id } = request.params as { query_id: string };
        try {
          const [historical, info] = await Promise.all([
            service.historyCount(query_id),
            service.modelInfo(query_id),
          ]);
          return {
            query_hash: query_id,
            historical_records: historical,
            model_info: info,
            timestamp: service.now(),
            status: "active" as const,
          };
        } catch (error) {
          return failure(reply, 500, "Error retrieving statistics", error);
        }
      },
    );

    for (const [url, allowed] of PATHS) {
      app.route({
        method: ALL_METHODS.filter((m) => !allowed.includes(m)),
        url,
        schema: { hide: true },
        handler: async (request, reply) =>
          sendError(
            request,
            reply.header("allow", allowed.join(", ")),
            405,
            "Method Not Allowed",
            `${request.method} is not allowed on ${url}`,
          ),
      });
    }
  };
}
