import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import type { JsonObject } from "../../core/json.js";
import { SEVERITIES } from "../../core/severity.js";
import { isoUtc } from "../../core/time.js";
import type { Runtime } from "../../service/runtime.js";
import { recordAudit } from "../../store/repos/audit.js";
import { listFeeds, upsertIndicators } from "../../store/repos/intel-feeds.js";
import {
  deleteAsset,
  deleteUser,
  listAssets,
  listUsers,
  upsertAssets,
  upsertUsers,
} from "../../store/repos/inventory.js";
import { INTEL_FORMATS, parseIntelFeed } from "../../triage/intel-import.js";
import { THREAT_LEVELS } from "../../triage/types.js";
import { requireAuth } from "../auth.js";
import { errorSchema, jsonObjectSchema, queryInt, queryLimit } from "../schemas.js";

const user = z.object({
  user_id: z.string().min(1).max(256),
  name: z.string().max(256).nullable(),
  email: z.string().max(320).nullable(),
  department: z.string().max(256).nullable(),
  privileged: z.boolean().describe("Raises the risk of alerts about this user"),
  attributes: jsonObjectSchema,
});
const asset = z.object({
  asset_id: z.string().min(1).max(256),
  hostname: z.string().max(256).nullable(),
  ip: z.string().max(64).nullable(),
  owner: z.string().max(256).nullable(),
  criticality: z.enum(SEVERITIES).describe("Raises the risk of alerts about this asset"),
  environment: z.string().max(64).nullable(),
  attributes: jsonObjectSchema,
});
const userBody = user.omit({ user_id: true }).partial().strict();
const assetBody = asset.omit({ asset_id: true }).partial().strict();
const page = z.object({ limit: queryLimit(1000).optional(), offset: queryInt("offset").optional() });
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 429: errorSchema };
const feedImport = z.strictObject({
  format: z.enum([...INTEL_FORMATS, "auto"]).default("auto"),
  content: z.string().min(1).describe("The feed file's text: a plain list, a CSV or a STIX 2.1 bundle"),
  threat_level: z.enum(THREAT_LEVELS).default("malicious").describe("For entries that give none"),
  confidence: z.number().min(0).max(1).default(0.7).describe("For entries that give none"),
});

/** The inventory the context stage reads, and the local threat-intel feeds (docs/triage.md#routes). */
export function triageInventoryRoutes(rt: Runtime) {
  const store = () => rt.triage.deps.store;
  const now = () => isoUtc(rt.clock.now());
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const read = requireAuth(rt, { group: "alerts", scope: "read" });
    const admin = requireAuth(rt, { scope: "admin" });
    const audit = (actor: string | undefined, action: string, target: string) =>
      recordAudit(store().db, { actor: actor ?? "anonymous", action, target }, now());

    r.get(
      "/api/v1/users",
      {
        preHandler: read,
        schema: {
          summary: "User inventory",
          tags: ["inventory"],
          querystring: page,
          response: { 200: z.array(user), ...errors },
        },
      },
      async (q) => listUsers(store().db, q.query.limit ?? 100, q.query.offset ?? 0),
    );
    r.put(
      "/api/v1/users/:user_id",
      {
        preHandler: admin,
        schema: {
          summary: "Create or replace a user",
          tags: ["inventory"],
          params: z.object({ user_id: z.string().min(1).max(256) }),
          body: userBody,
          response: { 200: user, ...errors },
        },
      },
      async (request) => {
        const b = request.body;
        const u = {
          user_id: request.params.user_id,
          name: b.name ?? null,
          email: b.email ?? null,
          department: b.department ?? null,
          privileged: b.privileged ?? false,
          attributes: (b.attributes ?? {}) as JsonObject,
        };
        await upsertUsers(store(), [u], now());
        await audit(request.principal?.name, "user.upsert", `user:${u.user_id}`);
        return u;
      },
    );
    r.delete(
      "/api/v1/users/:user_id",
      {
        preHandler: admin,
        schema: {
          summary: "Delete a user",
          tags: ["inventory"],
          params: z.object({ user_id: z.string().min(1).max(256) }),
          response: { 204: z.null().describe("Deleted"), ...errors },
        },
      },
      async (request, reply) => {
        if (!(await deleteUser(store().db, request.params.user_id)))
          throw new UserError(`no user ${request.params.user_id}`, "not_found", 404);
        await audit(request.principal?.name, "user.delete", `user:${request.params.user_id}`);
        return reply.code(204).send(null);
      },
    );
    r.get(
      "/api/v1/assets",
      {
        preHandler: read,
        schema: {
          summary: "Asset inventory",
          tags: ["inventory"],
          querystring: page,
          response: { 200: z.array(asset), ...errors },
        },
      },
      async (q) => listAssets(store().db, q.query.limit ?? 100, q.query.offset ?? 0),
    );
    r.put(
      "/api/v1/assets/:asset_id",
      {
        preHandler: admin,
        schema: {
          summary: "Create or replace an asset",
          tags: ["inventory"],
          params: z.object({ asset_id: z.string().min(1).max(256) }),
          body: assetBody,
          response: { 200: asset, ...errors },
        },
      },
      async (request) => {
        const b = request.body;
        const a = {
          asset_id: request.params.asset_id,
          hostname: b.hostname ?? null,
          ip: b.ip ?? null,
          owner: b.owner ?? null,
          criticality: b.criticality ?? ("medium" as const),
          environment: b.environment ?? null,
          attributes: (b.attributes ?? {}) as JsonObject,
        };
        await upsertAssets(store().db, [a], now());
        await audit(request.principal?.name, "asset.upsert", `asset:${a.asset_id}`);
        return a;
      },
    );
    r.delete(
      "/api/v1/assets/:asset_id",
      {
        preHandler: admin,
        schema: {
          summary: "Delete an asset",
          tags: ["inventory"],
          params: z.object({ asset_id: z.string().min(1).max(256) }),
          response: { 204: z.null().describe("Deleted"), ...errors },
        },
      },
      async (request, reply) => {
        if (!(await deleteAsset(store().db, request.params.asset_id)))
          throw new UserError(`no asset ${request.params.asset_id}`, "not_found", 404);
        await audit(request.principal?.name, "asset.delete", `asset:${request.params.asset_id}`);
        return reply.code(204).send(null);
      },
    );
    r.get(
      "/api/v1/intel/feeds",
      {
        preHandler: read,
        schema: {
          summary: "Local threat-intel feeds with their indicator counts",
          tags: ["intel"],
          response: {
            200: z.array(
              z.object({ feed: z.string(), indicators: z.number().int(), imported_at: z.string() }),
            ),
            ...errors,
          },
        },
      },
      async () => listFeeds(store().db),
    );
    r.post(
      "/api/v1/intel/feeds/:feed",
      {
        preHandler: admin,
        bodyLimit: 32 * 1024 * 1024,
        schema: {
          summary: "Import (add to or refresh) a local feed: plain list, CSV or STIX 2.1 bundle",
          tags: ["intel"],
          params: z.object({
            feed: z.string().regex(/^[\w.-]{1,100}$/, "feed names are letters, digits, '.', '_' and '-'"),
          }),
          body: feedImport,
          response: { 200: z.object({ feed: z.string(), imported: z.number().int() }), ...errors },
        },
      },
      async (request) => {
        const { feed } = request.params;
        let list: ReturnType<typeof parseIntelFeed>;
        try {
          list = parseIntelFeed(request.body.content, request.body.format, {
            feed,
            threat_level: request.body.threat_level,
            confidence: request.body.confidence,
          });
        } catch (error) {
          throw new UserError((error as Error).message, "validation_error", 400);
        }
        const imported = await upsertIndicators(store().db, list, now());
        await audit(request.principal?.name, "intel.import", `feed:${feed}`);
        return { feed, imported };
      },
    );
  };
}
