import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import type { Runtime } from "../../service/runtime.js";
import { activeTokenIds, onTokenRevoked } from "../../service/tokens.js";
import type { StoredAnomaly } from "../../store/repos/anomalies.js";
import { requireAuth } from "../auth.js";
import { errorSchema } from "../schemas.js";

/** A ticket lives this long and opens one stream: EventSource cannot send headers, so it goes in the URL. */
const TICKET_TTL_MS = 30_000;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/**
 * While streams opened with stored tokens are open, their tokens are re-checked this often: a token
 * revoked by another process (`logwarden token revoke` against the same database) sends no signal here.
 */
const TOKEN_CHECK_MS = 1_000;

type Listener = (anomalies: readonly StoredAnomaly[]) => void;

// One hub per runtime, chained onto the pipeline's hook once: several apps (tests) share a runtime,
// and the sinks dispatcher may already listen there.
const hubs = new WeakMap<Runtime, Set<Listener>>();

function hubOf(rt: Runtime): Set<Listener> {
  let hub = hubs.get(rt);
  if (hub) return hub;
  const listeners = new Set<Listener>();
  hub = listeners;
  hubs.set(rt, listeners);
  const previous = rt.pipeline.onAnomalies;
  rt.pipeline.onAnomalies = (anomalies) => {
    previous?.(anomalies);
    for (const listener of listeners) listener(anomalies);
  };
  return listeners;
}

/** What a live client needs to add a row to its list (the list route's fields, Logwarden's names). */
export function eventOf(a: StoredAnomaly) {
  return {
    id: a.id,
    detector: a.detector,
    type: a.type,
    timestamp: a.timestamp,
    service: a.service,
    severity: a.severity,
    status: a.status,
    score: a.score,
    description: a.description,
    count: a.count,
  };
}

/** Live anomalies as Server-Sent Events, opened with a short-lived single-use ticket. */
export function eventRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    // Tickets and streams remember the stored token they came from (null: a configured token or an
    // open route, which cannot be revoked), so that revoking it ends them: a session ends with its token.
    const tickets = new Map<string, { expires: number; principal: string; tokenId: number | null }>();
    const streams = new Map<ServerResponse, number | null>();
    const hub = hubOf(rt);

    const endSessionsOf = (tokenId: number) => {
      for (const [t, v] of tickets) if (v.tokenId === tokenId) tickets.delete(t);
      for (const [res, id] of streams) if (id === tokenId) res.end();
    };
    // Revoked in this process (DELETE /api/v1/tokens/{id}): at once.
    const unsubscribe = onTokenRevoked(rt.store.db, endSessionsOf);

    // Revoked elsewhere: one query for the distinct tokens behind open streams, only while there are some.
    let tokenCheck: NodeJS.Timeout | undefined;
    let checking = false;
    const checkTokens = async () => {
      const ids = [...new Set(streams.values())].filter((id): id is number => id !== null);
      if (ids.length === 0) {
        clearInterval(tokenCheck);
        tokenCheck = undefined;
        return;
      }
      if (checking) return; // a slow database: never stack queries
      checking = true;
      try {
        const active = await activeTokenIds(rt.store.db, ids);
        for (const id of ids) if (!active.has(id)) endSessionsOf(id);
      } catch (error) {
        rt.log.warn({ err: error }, "could not re-check the tokens of event streams");
      } finally {
        checking = false;
      }
    };

    // Open streams would keep close() waiting forever; end them first.
    app.addHook("preClose", async () => {
      unsubscribe();
      clearInterval(tokenCheck);
      tokenCheck = undefined;
      for (const s of streams.keys()) s.end();
      streams.clear();
    });

    r.post(
      "/api/v1/events/ticket",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read" }),
        schema: {
          summary: "A single-use ticket (valid 30 s) to open GET /api/v1/events without a header",
          tags: ["events"],
          body: z.strictObject({}).nullish().describe("Nothing to send: the bearer token is the credential"),
          response: {
            201: z.object({ ticket: z.string(), expires_in: z.number().int().describe("Seconds") }),
            401: errorSchema,
            403: errorSchema,
            429: errorSchema,
          },
        },
      },
      async (request, reply) => {
        const now = rt.clock.now();
        for (const [t, v] of tickets) if (v.expires <= now) tickets.delete(t);
        const ticket = randomBytes(24).toString("base64url");
        tickets.set(ticket, {
          expires: now + TICKET_TTL_MS,
          principal: request.principal?.name ?? "anonymous",
          tokenId: request.principal?.tokenId ?? null,
        });
        return reply.code(201).send({ ticket, expires_in: TICKET_TTL_MS / 1000 });
      },
    );

    r.get(
      "/api/v1/events",
      {
        schema: {
          summary: "Server-Sent Events: `anomaly` events as new anomalies are stored",
          description:
            "Open with `?ticket=` from POST /api/v1/events/ticket; the stream is text/event-stream.",
          tags: ["events"],
          querystring: z.object({ ticket: z.string().max(200) }),
          response: {
            200: z.string().describe("text/event-stream: `event: anomaly`, `data: {id, severity, …}`"),
            401: errorSchema,
          },
        },
      },
      async (request, reply) => {
        const entry = tickets.get(request.query.ticket);
        tickets.delete(request.query.ticket);
        if (!entry || entry.expires <= rt.clock.now()) {
          throw new UserError("the ticket is unknown, used or expired", "Unauthorized", 401);
        }
        // The token may have been revoked by another process since the ticket was minted.
        if (
          entry.tokenId !== null &&
          !(await activeTokenIds(rt.store.db, [entry.tokenId])).has(entry.tokenId)
        ) {
          throw new UserError("the ticket's token has been revoked", "Unauthorized", 401);
        }
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache, no-transform",
          connection: "keep-alive",
          "x-accel-buffering": "no",
          "x-request-id": request.id,
        });
        res.write("retry: 3000\n: connected\n\n");
        const listener: Listener = (anomalies) => {
          for (const a of anomalies) res.write(`event: anomaly\ndata: ${JSON.stringify(eventOf(a))}\n\n`);
        };
        const heartbeat = setInterval(() => res.write(": ping\n\n"), HEARTBEAT_MS);
        heartbeat.unref();
        hub.add(listener);
        streams.set(res, entry.tokenId);
        if (entry.tokenId !== null && !tokenCheck) {
          tokenCheck = setInterval(checkTokens, TOKEN_CHECK_MS);
          tokenCheck.unref();
        }
        const stop = () => {
          clearInterval(heartbeat);
          hub.delete(listener);
          streams.delete(res);
        };
        res.on("close", stop);
        request.log.info({ principal: entry.principal }, "event stream opened");
      },
    );
  };
}
