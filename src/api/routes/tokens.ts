import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Runtime } from "../../service/runtime.js";
import { issueToken, listTokens, withdrawToken } from "../../service/tokens.js";
import { SCOPES, type TokenInfo } from "../../store/repos/tokens.js";
import { requireAuth } from "../auth.js";
import { errorSchema, pathId } from "../schemas.js";

const tokenInfo = z
  .object({
    id: z.number().int(),
    name: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    created_at: z.string(),
    last_used_at: z.string().nullable().describe("Updated at most once a minute"),
    revoked_at: z.string().nullable(),
  })
  .describe("API token (never the token itself)");

const createBody = z.strictObject({
  name: z.string().trim().min(1).max(100).describe("Who or what uses the token, e.g. `log shipper web-1`"),
  scopes: z
    .array(z.enum(SCOPES))
    .min(1)
    .describe("`read` reads data, `ingest` writes logs, `admin` does everything, tokens included"),
});

function toJson(t: TokenInfo): z.infer<typeof tokenInfo> {
  return {
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    created_at: t.createdAt,
    last_used_at: t.lastUsedAt,
    revoked_at: t.revokedAt,
  };
}

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 429: errorSchema };

/** Token administration (`admin` scope); never opened by OPEN_ROUTES. */
export function tokenRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const admin = requireAuth(rt, { scope: "admin" });
    r.get(
      "/api/v1/tokens",
      {
        preHandler: admin,
        schema: {
          summary: "List API tokens, revoked ones included",
          tags: ["tokens"],
          response: { 200: z.array(tokenInfo), ...errors },
        },
      },
      async () => (await listTokens(rt.store.db)).map(toJson),
    );
    r.post(
      "/api/v1/tokens",
      {
        preHandler: admin,
        bodyLimit: 16 * 1024,
        schema: {
          summary: "Create an API token; the token is in this response only",
          tags: ["tokens"],
          body: createBody,
          response: {
            201: tokenInfo.extend({ token: z.string().describe("Shown once; keep it") }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const { token, info } = await issueToken(rt.store.db, {
          ...request.body,
          actor: request.principal?.name ?? "anonymous",
        });
        return reply.code(201).send({ ...toJson(info), token });
      },
    );
    r.delete(
      "/api/v1/tokens/:id",
      {
        preHandler: admin,
        schema: {
          summary: "Revoke an API token (it stops working at once)",
          tags: ["tokens"],
          params: z.object({ id: pathId }),
          response: { 200: tokenInfo, 404: errorSchema, ...errors },
        },
      },
      async (request) =>
        toJson(
          await withdrawToken(rt.store.db, {
            id: request.params.id,
            actor: request.principal?.name ?? "anonymous",
          }),
        ),
    );
  };
}
