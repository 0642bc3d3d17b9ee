import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RouteOptions,
} from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Runtime } from "../service/runtime.js";
import { installRequestLog } from "../telemetry/request-log.js";
import { installAccess, requestIdOf } from "./access.js";
import { installErrorHandlers } from "./errors.js";
import { installJsonBodyParser } from "./json-body.js";
import { createMetrics } from "./metrics.js";
import { ResponseCache } from "./response-cache.js";
import { installRouteAuth } from "./route-auth.js";
import { alertRoutes } from "./routes/alerts.js";
import { analyzeRoutes } from "./routes/analyze.js";
import { anomalyBulkRoutes } from "./routes/anomalies-bulk.js";
import { anomalyRoutes } from "./routes/anomaly.js";
import { anomalyBriefRoutes } from "./routes/anomaly-briefs.js";
import { anomalyIncidentRoutes } from "./routes/anomaly-incidents.js";
import { type PageMeta as AnomalyPageMeta, anomalyListRoutes } from "./routes/anomaly-list.js";
import { eventRoutes } from "./routes/events.js";
import { graphqlQueryRoutes } from "./routes/graphql-queries.js";
import { healthRoutes } from "./routes/health.js";
import { incidentRoutes } from "./routes/incidents.js";
import { ingestRoutes } from "./routes/ingest.js";
import { logRoutes } from "./routes/logs.js";
import { mcpRoutes } from "./routes/mcp.js";
import { metaRoutes } from "./routes/meta.js";
import { metricsRoutes } from "./routes/metrics.js";
import { modelRoutes } from "./routes/models.js";
import { otlpRoutes } from "./routes/otlp.js";
import { ruleRoutes } from "./routes/rules.js";
import { scoringRoutes } from "./routes/scoring.js";
import { sinkRoutes } from "./routes/sinks.js";
import { statsRoutes } from "./routes/stats.js";
import { suppressionRoutes } from "./routes/suppressions.js";
import { templateRoutes } from "./routes/templates.js";
import { tokenRoutes } from "./routes/tokens.js";
import { triageIncidentRoutes } from "./routes/triage-incidents.js";
import { triageInventoryRoutes } from "./routes/triage-inventory.js";
import { uiRoutes } from "./routes/ui.js";
import { installSecurityHeaders } from "./security-headers.js";

export interface AppOptions {
  /** One log line per request, at info (off in tests; telemetry/request-log.ts). */
  logRequests?: boolean;
  /** Sees every route as it is registered (the OpenAPI test checks each one is documented). */
  onRoute?: (route: RouteOptions) => void;
}

/** Builds the HTTP app without listening, so tests use `inject()` and `serve` adds the socket. */
export async function buildApp(rt: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // pino versions differ between fastify and us only in types; the instance is a pino logger.
    loggerInstance: rt.log as unknown as FastifyBaseLogger,
    // Fastify's own pair of lines per request is off: installRequestLog writes one line instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // The client's X-Request-Id when sane (see requestIdOf), so one id follows a request across services.
    requestIdHeader: false,
    genReqId: requestIdOf,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  installJsonBodyParser(app);
  // At the root, before any route: nosniff and the referrer policy on every answer, the CSP on documents.
  installSecurityHeaders(app);
  if (options.logRequests) installRequestLog(app);
  if (options.onRoute) app.addHook("onRoute", options.onRoute);
  await installAccess(app, rt);
  // Before any route, so it sees every route's guard (and the documentation plugin sees the result).
  installRouteAuth(app, rt.config);
  // At the root, before any route, so its onResponse hook times every route.
  const anomalyPages = new ResponseCache<AnomalyPageMeta>();
  const metrics = createMetrics(app, rt, { anomalyPages });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "Logwarden",
        version: "0.1.0",
        description: "Finds what is abnormal in logs. Authenticate with `Authorization: Bearer <token>`.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          // System 003's engine key, on its routes when M_AUTH_KEY is set (contracts §4.2).
          "hasura-m-auth": { type: "apiKey", in: "header", name: "hasura-m-auth" },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes(rt));
  // System 004 (contracts §5): /openapi.json lists paths in the order they are registered.
  await app.register(ingestRoutes(rt));
  await app.register(incidentRoutes(rt));
  await app.register(metaRoutes(rt));
  await app.register(scoringRoutes(rt));
  await app.register(anomalyListRoutes(rt, anomalyPages));
  await app.register(anomalyRoutes(rt));
  await app.register(anomalyBulkRoutes(rt));
  await app.register(anomalyIncidentRoutes(rt));
  await app.register(tokenRoutes(rt));
  await app.register(suppressionRoutes(rt));
  // System 002 (contracts §3.3), in its order too.
  await app.register(analyzeRoutes(rt));
  await app.register(modelRoutes(rt));
  await app.register(statsRoutes(rt));
  await app.register(metricsRoutes(rt, metrics));
  await app.register(otlpRoutes(rt));
  await app.register(graphqlQueryRoutes(rt));
  await app.register(alertRoutes(rt));
  await app.register(triageInventoryRoutes(rt));
  await app.register(triageIncidentRoutes(rt));
  await app.register(mcpRoutes(rt));
  await app.register(anomalyBriefRoutes(rt));
  await app.register(templateRoutes(rt));
  await app.register(ruleRoutes(rt));
  await app.register(logRoutes(rt));
  await app.register(sinkRoutes(rt));
  await app.register(eventRoutes(rt));
  await app.register(uiRoutes());
  return app;
}
