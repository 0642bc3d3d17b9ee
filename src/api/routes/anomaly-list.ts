// GET /api/v1/anomalies: system 000's contract (../shared/docs/seed-contracts.md §1.4), plus filters and cursor pages.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { ANOMALY_STATUSES } from "../../core/anomaly.js";
import { DETECTOR_KINDS } from "../../core/detector.js";
import { SEVERITIES } from "../../core/severity.js";
import { isoUtc, parseIsoTimestamp } from "../../core/time.js";
import { kindFilter } from "../../service/anomaly-kind.js";
import type { Runtime } from "../../service/runtime.js";
import { changeVersionReader } from "../../store/change-version.js";
import { readAnomalyPage } from "../../store/repos/anomaly-search.js";
import { encodeAnomalyListPage } from "../anomaly-list-json.js";
import { requireAuth } from "../auth.js";
import { cursorParam, encodeCursor } from "../cursor.js";
import { sendError } from "../errors.js";
import { ResponseCache } from "../response-cache.js";
import { errorSchema, jsonObjectSchema, queryInt, queryLimit } from "../schemas.js";

/**
 * Largest page. System 000's contract sets no upper limit (§1.4); an unbounded page is one request
 * that can exhaust the server, so `limit` is clamped here, far above any page a UI shows, and a client
 * that wants everything follows `X-Next-Cursor`.
 */
export const ANOMALY_LIST_MAX = 100_000;

const listedAnomaly = z.object({
  id: z.number().int(),
  agent_name: z.string(),
  device_id: z.number().int().nullable(),
  timestamp: z.string().describe("UTC, `YYYY-MM-DDTHH:MM:SS` without zone"),
  anomaly_type: z.string(),
  confidence: z.number(),
  description: z.string().nullable(),
  features: jsonObjectSchema.nullable(),
  created_at: z.string().describe("UTC, `YYYY-MM-DDTHH:MM:SS` without zone"),
});

/** A filter value: matched literally (bound, never spliced into SQL); empty means no filter. */
const text = (what: string) =>
  z
    .string()
    .max(8192)
    .transform((s) => (s === "" ? undefined : s))
    .optional()
    .describe(what);

const time = (what: string) =>
  z
    .string()
    .transform((s, ctx) => {
      const t = parseIsoTimestamp(s);
      if (t === null) {
        ctx.addIssue({ code: "custom", message: `not an ISO-8601 timestamp: ${s.slice(0, 40)}` });
        return z.NEVER;
      }
      return isoUtc(t);
    })
    .optional()
    .describe(what);

const oneOrMore = <T extends string>(values: readonly T[], what: string) =>
  z
    .string()
    .transform((s, ctx) => {
      const list = s.split(",").map((v) => v.trim());
      const bad = list.filter((v) => !(values as readonly string[]).includes(v));
      if (bad.length > 0) {
        ctx.addIssue({ code: "custom", message: `expected ${values.join(", ")} (comma-separated)` });
        return z.NEVER;
      }
      return list as T[];
    })
    .optional()
    .describe(what);

export const anomalyListQuery = z.object({
  limit: queryLimit(ANOMALY_LIST_MAX)
    .optional()
    .describe(`Maximum rows (default 100, at most ${ANOMALY_LIST_MAX})`),
  offset: queryInt("offset").optional().describe("Rows to skip (default 0); prefer `cursor` for deep pages"),
  agent_name: text("Only this detector, e.g. `wifi`"),
  since: time("Only anomalies at or after this time (ISO-8601)"),
  until: time("Only anomalies before this time (ISO-8601)"),
  severity: oneOrMore(SEVERITIES, "low, medium, high, critical (comma-separated)"),
  status: oneOrMore(ANOMALY_STATUSES, "open, acknowledged, resolved, false_positive (comma-separated)"),
  service: text("Only this service"),
  q: text("Case-insensitive text in the description or the key (user, IP, service)"),
  entity: text("Logwarden: exactly this detector key, e.g. `ip:1.2.3.4` or `user:root`"),
  kind: z
    .enum(DETECTOR_KINDS)
    .optional()
    .describe(
      "Logwarden: `security` (brute_force, password_spraying, new_source_ip, wifi…) or `operational` (volume, error_burst, templates, sequence, window_forest, and anything not from a security detector)",
    ),
  cursor: cursorParam.optional().describe("`X-Next-Cursor` of the previous page (not with `offset`)"),
  with_total: z
    .enum(["true", "false"])
    .optional()
    .describe(
      "Logwarden: `true` adds `X-Total-Count`, how many anomalies the filters match (counting costs a walk of them, so it is asked for)",
    ),
});

type ListQuery = z.infer<typeof anomalyListQuery>;

export interface PageMeta {
  nextCursor: string | undefined;
  /** Matching anomalies on every page, when `with_total=true`. */
  total?: number;
}

/** One page of the listing, encoded: the body and the cursor of the page after it when this one is full. */
interface EncodedPage {
  body: Buffer;
  meta: PageMeta;
}

type ListedAnomaly = z.infer<typeof listedAnomaly>;

/**
 * Builds a page and reads the anomalies' change version in the same turn on the connection
 * (`readAnomalyPage`), version first: the page is then at least as new as the version it is cached under.
 */
async function buildPage(
  rt: Runtime,
  q: ListQuery,
  readVersion: (() => number | undefined) | undefined,
): Promise<{ page: EncodedPage; version: number | undefined }> {
  const limit = q.limit ?? 100;
  const filters = {
    ...(q.agent_name ? { agentName: q.agent_name } : {}),
    ...(q.since ? { since: q.since } : {}),
    ...(q.until ? { until: q.until } : {}),
    ...(q.severity ? { severity: q.severity } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.service ? { service: q.service } : {}),
    ...(q.q ? { q: q.q } : {}),
    ...(q.entity ? { entity: q.entity } : {}),
    ...kindFilter(q.kind),
  };
  const range = {
    limit,
    ...(q.offset ? { offset: q.offset } : {}),
    ...(q.cursor ? { after: q.cursor } : {}),
  };
  const { rows, version, total } = await readAnomalyPage(rt.store, filters, range, {
    withTotal: q.with_total === "true",
    readVersion,
  });
  const last = rows.at(-1);
  return {
    version,
    page: {
      body: Buffer.from(encodeAnomalyListPage(rows)),
      meta: {
        nextCursor:
          last && rows.length === limit ? encodeCursor({ timestamp: last[3], id: last[0] }) : undefined,
        ...(total === undefined ? {} : { total }),
      },
    },
  };
}

/**
 * Names a page whatever the URL's spelling: defaults filled in (`limit=100` is no limit, `offset=0` no
 * offset), fields in a fixed order, value lists sorted (`severity=high,low` is `low,high`).
 */
function pageKey(q: ListQuery): string {
  return JSON.stringify([
    q.limit ?? 100,
    q.offset ?? 0,
    q.cursor ?? null,
    q.agent_name ?? null,
    q.service ?? null,
    q.since ?? null,
    q.until ?? null,
    q.severity ? [...q.severity].sort() : null,
    q.status ? [...q.status].sort() : null,
    q.q ?? null,
    q.entity ?? null,
    q.kind ?? null,
    q.with_total === "true",
  ]);
}

/** `X-Next-Cursor` and an RFC 8288 `Link: <…>; rel="next"` carrying the same query with the cursor. */
function setNextPage(request: FastifyRequest, reply: FastifyReply, cursor: string): void {
  const url = new URL(request.url, "http://x");
  url.searchParams.delete("offset");
  url.searchParams.set("cursor", cursor);
  reply.header("x-next-cursor", cursor);
  reply.header("link", `<${url.pathname}${url.search}>; rel="next"`);
}

/**
 * System 000: `GET /api/v1/anomalies` for the Log Monitor (contracts §1.4): the bare array stays the
 * body, so pagination state travels in headers.
 */
export function anomalyListRoutes(rt: Runtime, cache = new ResponseCache<PageMeta>()) {
  const anomaliesVersion = changeVersionReader(rt.store, "anomalies");
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      "/api/v1/anomalies",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read", healthToken: true }),
        // The hottest route: pages are encoded straight from the stored columns (anomaly-list-json.ts)
        // and sent as bytes, so only error bodies pass through a serializer, a plain one. The schema
        // still documents the response in /openapi.json.
        serializerCompiler: () => (data) => JSON.stringify(data),
        schema: {
          summary: "Anomalies, newest first (system 000's contract, plus filters and cursor pages)",
          description:
            "The body is system 000's bare array. When the page is full, the response carries " +
            '`X-Next-Cursor` and `Link: <…&cursor=…>; rel="next"`; pass the cursor back for the next page. ' +
            "With `with_total=true`, `X-Total-Count` says how many anomalies match the filters.",
          tags: ["anomalies"],
          querystring: anomalyListQuery,
          response: { 200: z.array(listedAnomaly), 400: errorSchema, 401: errorSchema, 429: errorSchema },
        },
      },
      async (request, reply) => {
        const q = request.query;
        if (q.cursor && q.offset) {
          return sendError(request, reply, 400, "bad_request", "use either cursor or offset, not both");
        }
        const key = pageKey(q);
        const current = anomaliesVersion?.();
        let page: EncodedPage | undefined = current === undefined ? undefined : cache.get(key, current);
        if (!page) {
          const built = await buildPage(rt, q, anomaliesVersion);
          page = built.page;
          if (built.version !== undefined) cache.set(key, { ...page, version: built.version });
        }
        if (page.meta.nextCursor) setNextPage(request, reply, page.meta.nextCursor);
        if (page.meta.total !== undefined) reply.header("x-total-count", String(page.meta.total));
        // Already-encoded JSON: the route's serializer is bypassed for Buffers, so the type says so.
        reply.header("content-type", "application/json; charset=utf-8");
        return reply.send(page.body as unknown as ListedAnomaly[]);
      },
    );
  };
}
