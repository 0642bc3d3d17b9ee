import { nowIso, type TriageDeps } from "./deps.js";
import { normalizeAlert } from "./normalize.js";
import type { StageHandler } from "./stage-runner.js";

/**
 * alert-normalizer: `alert.raw` → `alert.normalized`. It writes nothing to the database (contracts
 * §2.2): normalising is a pure function of the stored alert, so a retry recomputes it, and the alert
 * stays `received` until the context stage has persisted its rows.
 */
export function normalizeStage(deps: TriageDeps): StageHandler {
  return async (batch) => {
    const now = nowIso(deps);
    for (const m of batch) m.normalized = normalizeAlert(m.alert, now);
    return batch;
  };
}
