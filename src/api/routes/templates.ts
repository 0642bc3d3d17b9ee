import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Selectable } from "kysely";
import { z } from "zod";
import { shownText } from "../../core/line-limit.js";
import type { Runtime } from "../../service/runtime.js";
import {
  countTemplates,
  listTemplates,
  TEMPLATE_ORDERS,
  type TemplateRow,
} from "../../store/repos/templates.js";
import type { TemplatesTable } from "../../store/schema.js";
import { requireAuth } from "../auth.js";
import { sendError } from "../errors.js";
import { errorSchema, queryInt, queryLimit } from "../schemas.js";

const template = z
  .object({
    template_id: z.string(),
    stream: z.string().describe("The service (or source) the template was mined from"),
    template: z.string().describe("The message with every variable part as `<*>`"),
    truncated: z
      .literal(true)
      .optional()
      .describe("Logwarden: `template` is only the first 16 KiB of the template's text"),
    template_bytes: z
      .number()
      .int()
      .optional()
      .describe("The template's length in UTF-8 bytes, when `truncated`"),
    count: z.number().int(),
    first_seen: z.string(),
    last_seen: z.string(),
  })
  .describe("Log template");

function toJson(t: TemplateRow): z.infer<typeof template> {
  // A template mined from a long line is as long: a list shows the start of each.
  const shown = shownText(t.template);
  return {
    template_id: t.templateId,
    stream: t.stream,
    template: shown ? shown.text : t.template,
    ...(shown ? { truncated: true as const, template_bytes: shown.bytes } : {}),
    count: t.count,
    first_seen: t.firstSeen,
    last_seen: t.lastSeen,
  };
}

/** Mined templates (saved with the pipeline state, so at most a few seconds behind ingest). */
export function templateRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const read = requireAuth(rt, { group: "anomalies", scope: "read" });
    r.get(
      "/api/v1/templates",
      {
        preHandler: read,
        schema: {
          summary:
            "Log templates, most frequent first (replaced ones left out); X-Total-Count gives the matches",
          tags: ["templates"],
          querystring: z.object({
            stream: z.string().max(200).optional().describe("Only this stream (service)"),
            q: z
              .string()
              .max(1000)
              .transform((s) => s.trim() || undefined)
              .optional()
              .describe("Only templates containing this text (case-insensitive)"),
            sort: z
              .enum(TEMPLATE_ORDERS)
              .optional()
              .describe(
                "`count` (most lines first, default), `rare` (fewest first) or `newest` (first seen)",
              ),
            limit: queryLimit(10_000).optional().describe("Maximum rows (default 1000, at most 10,000)"),
            offset: queryInt("offset").optional().describe("Rows to skip (default 0)"),
          }),
          response: { 200: z.array(template), 400: errorSchema, 401: errorSchema, 403: errorSchema },
        },
      },
      async (request, reply) => {
        const { stream, q, sort, limit, offset } = request.query;
        const filters = { ...(stream ? { stream } : {}), ...(q ? { q } : {}) };
        const [rows, total] = await Promise.all([
          listTemplates(rt.store.db, {
            ...filters,
            limit: limit ?? 1000,
            ...(offset ? { offset } : {}),
            ...(sort ? { order: sort } : {}),
          }),
          countTemplates(rt.store.db, filters),
        ]);
        reply.header("x-total-count", String(total));
        return rows.map(toJson);
      },
    );
    r.get(
      "/api/v1/templates/activity",
      {
        preHandler: read,
        schema: {
          summary: "Lines per template per hour over the last `hours` hours (for sparklines)",
          tags: ["templates"],
          querystring: z.object({
            hours: queryLimit(168)
              .optional()
              .describe("Hours back from the current hour (default 24, at most 168)"),
          }),
          response: {
            200: z.object({
              from: z.string().describe("Start of the first hour (UTC)"),
              hours: z.number().int(),
              series: z
                .record(z.string(), z.array(z.number().int()))
                .describe("template_id → count per hour"),
            }),
            400: errorSchema,
            401: errorSchema,
            403: errorSchema,
          },
        },
      },
      async (request) => {
        const hours = Math.max(1, request.query.hours ?? 24);
        const HOUR = 3_600_000;
        const start = Math.floor(rt.clock.now() / HOUR) * HOUR - (hours - 1) * HOUR;
        const from = new Date(start).toISOString();
        const counts = await rt.logs.templateCounts({ since: from, intervalMs: HOUR });
        const series: Record<string, number[]> = {};
        for (const c of counts) {
          const i = Math.floor((Date.parse(c.start) - start) / HOUR);
          if (i < 0 || i >= hours) continue;
          series[c.templateId] ??= new Array<number>(hours).fill(0);
          series[c.templateId]![i]! += c.count;
        }
        return { from, hours, series };
      },
    );
    r.get(
      "/api/v1/templates/:id",
      {
        preHandler: read,
        schema: {
          summary: "One log template",
          tags: ["templates"],
          params: z.object({ id: z.string().max(200) }),
          response: { 200: template, 401: errorSchema, 403: errorSchema, 404: errorSchema },
        },
      },
      async (request, reply) => {
        // A template that generalised into another one answers the one that replaced it, so an old
        // log line's template id still leads to the template its siblings match today.
        let id = request.params.id;
        let row: Selectable<TemplatesTable> | undefined;
        for (let hop = 0; hop < 10; hop++) {
          row = await rt.store.db
            .selectFrom("templates")
            .selectAll()
            .where("template_id", "=", id)
            .executeTakeFirst();
          if (!row?.replaced_by) break;
          id = row.replaced_by;
        }
        if (!row) {
          return sendError(request, reply, 404, "not_found", `no template ${request.params.id}`);
        }
        return toJson({
          templateId: row.template_id,
          stream: row.stream,
          template: row.template,
          count: Number(row.count),
          firstSeen: row.first_seen,
          lastSeen: row.last_seen,
          replacedBy: row.replaced_by,
        });
      },
    );
  };
}
