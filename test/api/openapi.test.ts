import SwaggerParser from "@apidevtools/swagger-parser";
import type { RouteOptions } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** `/api/v1/anomalies/:id` → `/api/v1/anomalies/{id}` (OpenAPI's path template). */
const toOpenApiPath = (url: string) => url.replace(/:(\w+)/g, "{$1}");

describe("OpenAPI", () => {
  it("is a valid document that lists every registered route with request and response schemas", async () => {
    const routes: RouteOptions[] = [];
    server = await startTestServer({}, { app: { onRoute: (r) => routes.push(r) } });
    const res = await server.app.inject({ url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();

    const documented = routes.filter(
      (r) => !(r.schema as { hide?: boolean } | undefined)?.hide && !r.url.startsWith("/docs"),
    );
    expect(documented.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const route of documented) {
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter(
        (m) => m !== "HEAD" && m !== "OPTIONS",
      );
      for (const method of methods) {
        const op = doc.paths[toOpenApiPath(route.url)]?.[method.toLowerCase()];
        if (!op) {
          missing.push(`${method} ${route.url}`);
          continue;
        }
        expect(Object.keys(op.responses ?? {}), `${method} ${route.url} responses`).toContain(
          Object.keys(op.responses).find((s) => s.startsWith("2")),
        );
        const success = Object.entries(op.responses).find(([s]) => s.startsWith("2"))?.[1] as
          | { content?: object }
          | undefined;
        if (!(method === "DELETE" && !success?.content) && route.url !== "/metrics") {
          expect(success?.content, `${method} ${route.url} 2xx schema`).toBeTruthy();
        }
        if (["POST", "PATCH", "PUT"].includes(method) && route.url !== "/models/load") {
          expect(op.requestBody, `${method} ${route.url} request body`).toBeTruthy();
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
