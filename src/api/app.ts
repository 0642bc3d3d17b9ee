import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Runtime } from "../service/runtime.js";
import { installErrorHandlers } from "./errors.js";
import { anomalies000Routes } from "./routes/anomalies000.js";
import { healthRoutes } from "./routes/health.js";
import { system004Routes } from "./routes/system004.js";

export interface AppOptions {
  /** Log each request (off in tests). */
  logRequests?: boolean;
}

/** Builds the HTTP app without listening, so tests use `inject()` and `serve` adds the socket. */
export async function buildApp(rt: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // pino versions differ between fastify and us only in types; the instance is a pino logger.
    loggerInstance: rt.log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    bodyLimit: 1024 * 1024,
    requestIdHeader: "x-request-id",
    genReqId: () => crypto.randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "Logwarden",
        version: "0.1.0",
        description: "Finds what is abnormal in logs. Authenticate with `Authorization: Bearer <token>`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes(rt));
  await app.register(system004Routes(rt));
  await app.register(anomalies000Routes(rt));
  return app;
}
