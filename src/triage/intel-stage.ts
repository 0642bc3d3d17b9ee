import { upsertIntel } from "../store/repos/alert-enrichment.js";
import { markStage } from "../store/repos/alerts.js";
import { nowIso, type TriageDeps } from "./deps.js";
import { iocKey } from "./intel-lookup.js";
import { extractIocs } from "./iocs.js";
import { normalizeAlert } from "./normalize.js";
import type { StageHandler } from "./stage-runner.js";
import type { IntelVerdict } from "./types.js";

/**
 * threat-intel-aggregator: extracts IOCs, resolves them (cache, local feeds, providers) and upserts
 * `threat_intel` on `(ioc, ioc_type)`; the enrichment key `threat_intel` is keyed by alert field.
 */
export function intelStage(deps: TriageDeps): StageHandler {
  return async (batch) => {
    const nowMs = deps.clock.now();
    const now = nowIso(deps);
    const perAlert = batch.map((m) => {
      m.normalized ??= normalizeAlert(m.alert, now);
      return extractIocs(m.normalized);
    });
    // Looked up outside the transaction: providers may call the network.
    const verdicts = await deps.intel.resolve(deps.store.db, perAlert.flat(), nowMs);
    batch.forEach((m, i) => {
      const intel: Record<string, IntelVerdict> = {};
      for (const ioc of perAlert[i] ?? []) {
        const v = verdicts.get(iocKey(ioc));
        if (v) intel[ioc.field] = { ...v, field: ioc.field };
      }
      m.enrichment.threat_intel = intel;
    });
    await deps.store.db.transaction().execute(async (trx) => {
      await upsertIntel(trx, [...verdicts.values()], now);
      await markStage(
        trx,
        batch.map((m) => m.alert.alert_id),
        "intel_checked",
        now,
      );
    });
    return batch;
  };
}
