import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Runtime } from "../../service/runtime.js";
import { fullTextMatch } from "../../store/repos/log-fulltext.js";
import { requireAuth } from "../auth.js";
import { errorSchema, queryLimit } from "../schemas.js";

const logLine = z.object({
  id: z.number().int(),
  timestamp: z.string(),
  service: z.string(),
  level: z.string().nullable(),
  host: z.string().nullable(),
  message: z.string(),
  template_id: z.string().nullable(),
  template: z.string().nullable().describe("The line's template, `<*>` for each variable part"),
});

/**
 * Full-text search over stored log lines (SQLite FTS5, PostgreSQL `to_tsvector` + GIN): every word of `q`
 * must appear, the last one as a prefix; newest first, each line with its template.
 */
export function logRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      "/api/v1/logs",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read" }),
        schema: {
          summary:
            "Stored log lines matching `q` (full text: every word, the last as a prefix), newest first, with templates",
          tags: ["logs"],
          querystring: z.object({
            q: z
              .string()
              .max(500)
              .optional()
              .describe(
                "Words the message contains (the last may be a prefix); empty lists the newest lines",
              ),
            service: z.string().max(200).optional(),
            limit: queryLimit(1000).optional().describe("Maximum rows (default 100, at most 1000)"),
          }),
          response: { 200: z.array(logLine), 400: errorSchema, 401: errorSchema, 403: errorSchema },
        },
      },
      async (request) => {
        const { q, service } = request.query;
        let query = rt.store.db
          .selectFrom("logs")
          .leftJoin("templates", "templates.template_id", "logs.template_id")
          // One hop of lineage: a line mined before its template generalised shows the general one.
          .leftJoin("templates as current", "current.template_id", "templates.replaced_by")
          .select([
            "logs.id",
            "logs.timestamp",
            "logs.service",
            "logs.level",
            "logs.host",
            "logs.message",
            "logs.template_id",
            "templates.template",
            "current.template as current_template",
          ]);
        const match = q ? fullTextMatch(rt.store.dialect, q) : null;
        if (match) query = query.where(match);
        if (service) query = query.where("logs.service", "=", service);
        const rows = await query
          .orderBy("logs.id", "desc")
          .limit(request.query.limit ?? 100)
          .execute();
        return rows.map(({ current_template, ...r }) => ({
          ...r,
          id: Number(r.id),
          template: current_template ?? r.template ?? null,
        }));
      },
    );
  };
}
