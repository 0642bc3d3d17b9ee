import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { compileExclusions } from "../../hasura/exclusions.js";
import { localIso } from "../../hasura/time.js";
import type { Runtime } from "../../service/runtime.js";
import { shownPath } from "../../service/shown-path.js";
import { sourcePostgresHealth } from "../../service/source-health.js";
import { isDegraded, sourceNotes } from "../../service/source-notes.js";

const healthBody = z
  .looseObject({
    status: z.enum(["healthy", "unhealthy"]),
    checks: z.record(z.string(), z.string()).describe("System 000's checks: `ok`, `error` or `disabled`"),
    models_loaded: z.boolean().describe("System 002: MODEL_DIR loaded (or absent, built-in detectors)"),
    model_dir: z
      .string()
      .describe(
        "System 002: MODEL_DIR relative to the server's working directory, or its last segment when outside it (never absolute: /health is open)",
      ),
    queue_depth: z.number().int(),
    started_at: z.string(),
    timestamp: z.string().describe("System 003: now, UTC ISO-8601 without zone, microseconds"),
    excluded_patterns: z.array(z.string()).describe("System 003: the valid EXCLUDED_DATASETS patterns"),
    cluster: z
      .object({
        node: z.string(),
        partitions: z.number().int(),
        nodes: z.number().int(),
        owned: z.array(z.number().int()),
        failed: z
          .array(
            z.object({
              partition: z.number().int(),
              error: z.string(),
              since: z.string(),
              retry_at: z.string(),
            }),
          )
          .describe(
            "Partitions this node could not start (their saved state would not load): their messages wait in their queues, the node's other partitions go on; tried again at retry_at",
          ),
        entities: z
          .boolean()
          .describe(
            "This node holds the entity owner's lease: it runs the detectors that judge users and addresses across every stream (one node of the cluster at a time)",
          ),
      })
      .optional()
      .describe(
        "A cluster node (CLUSTER_PARTITIONS > 0): its name, the live nodes, the partitions it owns and those it could not start",
      ),
    sources: z
      .record(
        z.string(),
        z.object({
          status: z.enum(["ok", "degraded"]),
          kept_as_text: z.number().int().describe("Lines past the input budget or that failed a decoder"),
          last_reason: z.string().nullable(),
          last_at: z.string().nullable(),
        }),
      )
      .optional()
      .describe(
        "Sources that moved past a line they could not decode and stored it as text (`logwarden.decode_note`); `degraded` for 15 min after the last one",
      ),
    stage_failures: z
      .record(z.string(), z.number().int())
      .optional()
      .describe(
        "Records a pipeline stage failed on and set aside since start, by stage (`mine`, `detect:<detector>`)",
      ),
    stages: z
      .record(z.string(), z.object({ status: z.enum(["healthy", "unhealthy"]) }))
      .optional()
      .describe(
        "System 001: each triage stage by compose name (contracts §2.2); absent when TRIAGE_ENABLED=false",
      ),
  })
  .describe("Every seed's health fields in one body (contracts §6.2, C4)");

const unavailable = z.object({
  error: z.string(),
  message: z.string(),
  detail: z.literal("Service Unavailable"),
});

/** What the sources and the pipeline's stages set aside (absent while nothing was). */
function setAside(rt: Runtime) {
  const now = rt.clock.now();
  const sources: Record<string, SourceReport> = {};
  for (const [name, notes] of sourceNotes(rt))
    sources[name] = {
      status: isDegraded(notes, now) ? "degraded" : "ok",
      kept_as_text: notes.keptAsText,
      last_reason: notes.lastReason,
      last_at: notes.lastAt === null ? null : new Date(notes.lastAt).toISOString(),
    };
  const failures = Object.fromEntries(rt.pipeline.processor.quarantined);
  return {
    ...(Object.keys(sources).length > 0 ? { sources } : {}),
    ...(Object.keys(failures).length > 0 ? { stage_failures: failures } : {}),
  };
}

interface SourceReport {
  status: "ok" | "degraded";
  kept_as_text: number;
  last_reason: string | null;
  last_at: string | null;
}

/**
 * One `/health` whose body carries every seed's fields (contracts §6.2, C4): system 000's `checks`,
 * system 002's `models_loaded`/`model_dir`. 503 when the store cannot be used. All three are open (a
 * bearer token is accepted and ignored); they say nothing about the data.
 */
export function healthRoutes(rt: Runtime) {
  const storeOk = async () => {
    try {
      await rt.store.ping();
      return true;
    } catch {
      return false;
    }
  };
  // Invalid patterns are logged once, by system 003's routes; here they are only left out.
  const excluded = compileExclusions(rt.config.hasura.excludedDatasets);
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      "/health",
      {
        schema: {
          summary: "Health of the store, pipeline and models (open)",
          tags: ["health"],
          response: { 200: healthBody, 503: healthBody },
        },
      },
      async (_request, reply) => {
        const ok = await storeOk();
        // System 001 (contracts §2.2): a stage whose consumer or database is down makes the whole 503.
        const stages = rt.triage.started ? rt.triage.health(ok) : undefined;
        const stagesOk = !stages || Object.values(stages).every((s) => s.status === "healthy");
        // A cluster node that cannot reach the broker can take no records: ingest answers 503 meanwhile.
        const brokerOk = !rt.cluster || rt.cluster.publisher.connected;
        const healthy = ok && rt.ingest.accepting && stagesOk && brokerOk;
        const body = {
          status: healthy ? ("healthy" as const) : ("unhealthy" as const),
          checks: {
            ...rt.store.healthChecks(ok),
            source_postgres: await sourcePostgresHealth(rt.config),
            redis: "disabled",
            pipeline: rt.ingest.accepting ? "ok" : "stopping",
            ...(rt.cluster ? { cluster_broker: brokerOk ? "ok" : "error" } : {}),
          },
          models_loaded: rt.analysis.ready,
          model_dir: shownPath(rt.analysis.stats().model_dir),
          queue_depth: rt.ingest.depth,
          started_at: rt.startedAt,
          timestamp: localIso(rt.clock.now()),
          excluded_patterns: [...excluded.patterns],
          ...(rt.cluster ? { cluster: rt.cluster.node.status() } : {}),
          ...(stages ? { stages } : {}),
          ...setAside(rt),
        };
        return reply.code(healthy ? 200 : 503).send(body);
      },
    );
    r.get(
      "/health/live",
      {
        schema: {
          tags: ["health"],
          summary: "Liveness: the process answers (always open)",
          response: { 200: z.object({ status: z.literal("alive") }) },
        },
      },
      async () => ({ status: "alive" as const }),
    );
    r.get(
      "/health/ready",
      {
        schema: {
          tags: ["health"],
          summary: "Readiness: store migrated and reachable, models loaded (503 until then)",
          response: { 200: z.object({ status: z.literal("ready") }), 503: unavailable },
        },
      },
      async (_request, reply) => {
        if (rt.analysis.ready && (await storeOk())) return { status: "ready" as const };
        const why = rt.analysis.ready ? "the store is not reachable" : "models are not loaded";
        return reply
          .code(503)
          .send({ error: "Service Unavailable", message: why, detail: "Service Unavailable" as const });
      },
    );
  };
}
