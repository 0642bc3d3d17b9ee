import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { browseLogs, logContext, logFacets, logHistogram } from "../../service/log-browser.js";
import type { Runtime } from "../../service/runtime.js";
import { requireAuth } from "../auth.js";
import { cursorParam, encodeCursor } from "../cursor.js";
import { sendError } from "../errors.js";
import { errorSchema, pathId, queryInt, queryLimit, queryTime } from "../schemas.js";

const logLine = z.object({
  id: z.number().int(),
  timestamp: z.string().describe("Record time, ISO-8601 UTC"),
  service: z.string(),
  level: z.string().nullable(),
  host: z.string().nullable(),
  message: z.string(),
  template_id: z.string().nullable(),
  template: z.string().nullable().describe("The line's template, `<*>` for each variable part"),
  truncated: z
    .literal(true)
    .optional()
    .describe(
      "Logwarden: `message` is only the start of the stored line (lists show 16 KiB of each; `/api/v1/logs/{id}/context`'s `line` up to MAX_LINE_BYTES)",
    ),
  message_bytes: z
    .number()
    .int()
    .optional()
    .describe("The stored message's length in UTF-8 bytes, when `truncated`"),
  template_truncated: z
    .literal(true)
    .optional()
    .describe("`template` is only the start of the template's text"),
});

/** The filter every log route shares, so the histogram counts exactly what the list pages through. */
const filterQuery = {
  q: z
    .string()
    .max(500)
    .optional()
    .describe("Words the message contains (the last may be a prefix); empty lists the newest lines"),
  service: z.string().max(200).optional(),
  template_id: z
    .string()
    .max(2000)
    .optional()
    .describe(
      "Logwarden: lines of these templates (one id, or several comma-separated; a facet's `template_ids`), including lines mined before a template generalised",
    ),
  since: queryTime("Only lines at or after this record time (ISO-8601)").optional(),
  until: queryTime("Only lines before this record time (ISO-8601)").optional(),
};

/** The shared query as the browser's filter: `template_id`'s comma-separated ids as a list. */
function browseFilter<Q extends { template_id?: string | undefined }>(
  query: Q,
): Omit<Q, "template_id"> & { templateIds?: string[] } {
  const { template_id, ...rest } = query;
  const ids = template_id
    ?.split(",")
    .map((id) => id.trim())
    .filter(Boolean);
  return ids && ids.length > 0 ? { ...rest, templateIds: ids } : rest;
}

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };
const HISTOGRAM_MAX_BUCKETS = 500;

function badRequest(request: FastifyRequest, reply: FastifyReply, message: string) {
  return sendError(request, reply, 400, "bad_request", message);
}

/** `X-Next-Cursor` and an RFC 8288 `Link` carrying the same query with the cursor (as the anomaly list does). */
function setNextPage(request: FastifyRequest, reply: FastifyReply, cursor: string): void {
  const url = new URL(request.url, "http://x");
  url.searchParams.set("cursor", cursor);
  reply.header("x-next-cursor", cursor);
  reply.header("link", `<${url.pathname}${url.search}>; rel="next"`);
}

/**
 * The dashboard's log browser: the log store's search (`LogQuery.text`, the same words at every door)
 * within a time range, newest first in cursor pages; counts over time; a line's surroundings.
 */
export function logRoutes(rt: Runtime) {
  const guard = requireAuth(rt, { group: "anomalies", scope: "read" });
  return async (app: FastifyInstance) => {
    const typed = app.withTypeProvider<ZodTypeProvider>();
    typed.get(
      "/api/v1/logs",
      {
        preHandler: guard,
        schema: {
          summary:
            "Stored log lines matching `q` (full text: every word, the last as a prefix) in a time range, newest first, with templates",
          description:
            'Newest first by record time. A full page carries `X-Next-Cursor` and `Link: <…&cursor=…>; rel="next"`.',
          tags: ["logs"],
          querystring: z.object({
            ...filterQuery,
            limit: queryLimit(1000).optional().describe("Maximum rows (default 100, at most 1000)"),
            cursor: cursorParam.optional().describe("`X-Next-Cursor` of the previous page"),
          }),
          response: { 200: z.array(logLine), ...errors },
        },
      },
      async (request, reply) => {
        const { limit = 100, cursor, ...filter } = request.query;
        const rows = await browseLogs(rt, browseFilter(filter), { limit, after: cursor });
        const last = rows.at(-1);
        if (last && rows.length === limit) setNextPage(request, reply, encodeCursor(last));
        return rows;
      },
    );

    typed.get(
      "/api/v1/logs/histogram",
      {
        preHandler: guard,
        schema: {
          summary: "Lines per time bucket for the same filter as /api/v1/logs (counted in SQL)",
          description:
            "Without `since`/`until` the range is the matching lines' own period (first to last), so imported history shows without knowing its dates.",
          tags: ["logs"],
          querystring: z.object({
            ...filterQuery,
            buckets: queryInt("buckets")
              .pipe(z.number().int().min(1).max(HISTOGRAM_MAX_BUCKETS))
              .optional()
              .describe(`Number of buckets (default 60, at most ${HISTOGRAM_MAX_BUCKETS})`),
          }),
          response: {
            200: z.object({
              since: z.string().nullable().describe("Start of the first bucket; null when nothing matches"),
              until: z.string().nullable(),
              interval_ms: z.number().int().describe("Width of one bucket"),
              total: z.number().int(),
              buckets: z.array(z.object({ start: z.string(), count: z.number().int() })),
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const { buckets = 60, ...filter } = request.query;
        // A missing end comes from the matching lines themselves, so only two given ends can be out of order.
        if (filter.since && filter.until && Date.parse(filter.until) <= Date.parse(filter.since))
          return badRequest(request, reply, "until must be after since");
        return logHistogram(rt, browseFilter(filter), buckets);
      },
    );

    typed.get(
      "/api/v1/logs/facets",
      {
        preHandler: guard,
        schema: {
          summary: "Busiest services and templates among the lines matching the filter",
          tags: ["logs"],
          querystring: z.object({
            ...filterQuery,
            limit: queryLimit(100).optional().describe("Entries per list (default 6, at most 100)"),
          }),
          response: {
            200: z.object({
              services: z.array(z.object({ name: z.string(), count: z.number().int() })),
              templates: z.array(
                z.object({
                  name: z.string(),
                  count: z.number().int(),
                  template_ids: z
                    .array(z.string())
                    .describe("Ids of the lines counted (`/api/v1/logs?template_id=` lists them)"),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const { limit = 6, ...filter } = request.query;
        return logFacets(rt, browseFilter(filter), limit);
      },
    );

    typed.get(
      "/api/v1/logs/:id/context",
      {
        preHandler: guard,
        schema: {
          summary: "A line with the lines of the same service just before and after it (record time)",
          tags: ["logs"],
          params: z.object({ id: pathId }),
          querystring: z.object({
            before: queryInt("before")
              .pipe(z.number().max(200))
              .optional()
              .describe("Default 10, at most 200"),
            after: queryInt("after").pipe(z.number().max(200)).optional().describe("Default 10, at most 200"),
          }),
          response: {
            200: z.object({ line: logLine, before: z.array(logLine), after: z.array(logLine) }),
            ...errors,
            404: errorSchema,
          },
        },
      },
      async (request, reply) => {
        const { before = 10, after = 10 } = request.query;
        const found = await logContext(rt, request.params.id, { before, after }, rt.config.maxLineBytes);
        if (!found)
          return sendError(request, reply, 404, "not_found", `log line ${request.params.id} does not exist`);
        return found;
      },
    );
  };
}
