import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { sql } from "kysely";
import { z } from "zod";
import type { Runtime } from "../../service/runtime.js";
import { sinkConfigs } from "../../sinks/registry.js";
import { requireAuth } from "../auth.js";
import { errorSchema } from "../schemas.js";

const sinkStatus = z.object({
  name: z.string(),
  type: z.string().nullable().describe("Null for a sink that has deliveries but is no longer configured"),
  configured: z.boolean(),
  deliveries: z
    .record(z.string(), z.number().int())
    .describe("Deliveries by status: pending, delivered, failed, dead"),
  last_delivered_at: z.string().nullable(),
  last_error: z.string().nullable().describe("The newest failed or dead delivery's error"),
});

/**
 * Configured notification sinks and how their deliveries stand (never their settings: URLs and keys
 * stay on the server). Admin only, like the rest of the configuration.
 */
export function sinkRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      "/api/v1/sinks",
      {
        preHandler: requireAuth(rt, { scope: "admin" }),
        schema: {
          summary: "Notification sinks with their delivery counts, last delivery and last error",
          tags: ["sinks"],
          response: { 200: z.array(sinkStatus), 401: errorSchema, 403: errorSchema },
        },
      },
      async () => {
        // The same naming rule as createSinks: `name`, else the type, numbered when a type repeats.
        const seen = new Map<string, number>();
        const configured = sinkConfigs(rt.config).map((c) => {
          const n = (seen.get(c.type) ?? 0) + 1;
          seen.set(c.type, n);
          return { name: c.name ?? (n === 1 ? c.type : `${c.type}-${n}`), type: c.type as string };
        });
        const db = rt.store.db;
        const [counts, delivered, errors] = await Promise.all([
          db
            .selectFrom("deliveries")
            .select(["sink", "status", sql<number>`count(*)`.as("n")])
            .groupBy(["sink", "status"])
            .execute(),
          db
            .selectFrom("deliveries")
            .select(["sink", sql<string>`max(delivered_at)`.as("at")])
            .groupBy("sink")
            .execute(),
          db
            .selectFrom("deliveries")
            .select(["sink", "last_error", "updated_at"])
            .where("status", "in", ["failed", "dead"])
            .where("last_error", "is not", null)
            .orderBy("updated_at", "desc")
            .limit(200)
            .execute(),
        ]);
        const names = [...new Set([...configured.map((c) => c.name), ...counts.map((r) => r.sink)])];
        return names.map((name) => {
          const config = configured.find((c) => c.name === name);
          return {
            name,
            type: config?.type ?? null,
            configured: config !== undefined,
            deliveries: Object.fromEntries(
              counts.filter((r) => r.sink === name).map((r) => [r.status, Number(r.n)]),
            ),
            last_delivered_at: delivered.find((r) => r.sink === name)?.at ?? null,
            last_error: errors.find((r) => r.sink === name)?.last_error ?? null,
          };
        });
      },
    );
  };
}
