import type { FastifyRequest } from "fastify";
import type { BackpressureError } from "../core/errors.js";
import type { Runtime } from "../service/runtime.js";

/**
 * The refusal an ingest request gets before its body is read, while the pipeline could take nothing, or
 * null. Counted with the pipeline's own refusals (the `rejectedSubmissions` metric).
 */
export function earlyRefusal(rt: Runtime): BackpressureError | null {
  const refusal = rt.pipeline.refusal();
  if (refusal && rt.pipeline.accepting) rt.pipeline.stats.rejectedSubmissions++;
  return refusal;
}

/**
 * An `onRequest` hook for routes that feed the pipeline: refuses with 503 and `Retry-After` from the
 * headers alone while the pipeline is full, so an overloaded server does not read and parse bodies only
 * to refuse them (that parsing starved `/health/live` for seconds at three times the sustained rate). It
 * runs after the route's auth guard (route-auth.ts puts that first), so a stranger still gets 401.
 * `feedsPipeline` says whether this request would enqueue at all (`/analyze` does only with `?persist`).
 */
export function refuseWhilePipelineFull(
  rt: Runtime,
  feedsPipeline: (request: FastifyRequest) => boolean = () => true,
) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!feedsPipeline(request)) return;
    const refusal = earlyRefusal(rt);
    if (refusal) throw refusal;
  };
}
