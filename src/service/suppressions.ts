import type { Clock } from "../core/clock.js";
import { UserError } from "../core/errors.js";
import { isoUtc } from "../core/time.js";
import type { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import type { Store } from "../store/db.js";
import { recordAudit } from "../store/repos/audit.js";
import {
  getSuppressionView,
  liftSuppression,
  type SuppressionView,
} from "../store/repos/suppression-list.js";

export interface RevokeDeps {
  store: Store;
  clock: Clock;
  pipeline: Pick<IngestPipeline, "suppressions">;
}

/**
 * Lifts a suppression for good: marked lifted in the store, audited (`suppression.revoke`, target
 * `suppression:<id>`), and dropped from the running pipeline's list at once, so the next matching
 * finding is stored and emitted. 404 for an unknown id, 409 when it was already lifted.
 */
export async function revokeSuppression(
  deps: RevokeDeps,
  id: number,
  actor: string,
  reason: string | null = null,
): Promise<SuppressionView> {
  const now = isoUtc(deps.clock.now());
  const revoked = await deps.store.db.transaction().execute(async (trx) => {
    const before = await getSuppressionView(trx, id);
    if (!before) throw new UserError(`no suppression ${id}`, "not_found", 404);
    if (!(await liftSuppression(trx, id, actor, now)))
      throw new UserError(`suppression ${id} was already lifted at ${before.liftedAt}`, "conflict", 409);
    await recordAudit(
      trx,
      {
        actor,
        action: "suppression.revoke",
        target: `suppression:${id}`,
        details: {
          detector: before.detector,
          key: before.key,
          template_id: before.templateId,
          suppressed_count: before.suppressedCount,
          ...(reason ? { reason } : {}),
        },
      },
      now,
    );
    return { ...before, liftedAt: now, liftedBy: actor };
  });
  deps.pipeline.suppressions.remove(id);
  return revoked;
}
