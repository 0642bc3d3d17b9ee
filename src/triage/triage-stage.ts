import type { JsonObject } from "../core/json.js";
import { isSeverity } from "../core/severity.js";
import { type TriageRow, upsertTriage } from "../store/repos/alert-enrichment.js";
import { alertsAtOrPast, markStage, verdictCounts } from "../store/repos/alerts.js";
import { nowIso, type TriageDeps } from "./deps.js";
import type { GroupItem } from "./incidents.js";
import { normalizeAlert } from "./normalize.js";
import { assessRisk, hitsOf, type RiskInputs, type RiskResult } from "./risk.js";
import { reasonOf, type StageHandler } from "./stage-runner.js";
import type { TriageMessage } from "./types.js";

function inputsOf(m: TriageMessage, verdicts: RiskInputs["past_verdicts"] | undefined): RiskInputs {
  const n = m.normalized!;
  const asset = m.enrichment.asset;
  const user = m.enrichment.user;
  const network = m.enrichment.source_network as { source?: { classification?: string } | null } | undefined;
  return {
    severity: n.event.severity_label,
    detector_confidence: n.detector.confidence,
    asset_criticality: asset?.found === true && isSeverity(asset.criticality) ? asset.criticality : null,
    user_privileged: user?.found === true ? user.privileged === true : null,
    source_network: network?.source?.classification ?? null,
    ioc_hits: hitsOf(m.enrichment.threat_intel),
    past_verdicts: verdicts ?? { true_positive: 0, false_positive: 0 },
  };
}

/** The LLM's verdict replaces the rules' unless it fails; it can never clear a review the rules asked for. */
async function withLlm(deps: TriageDeps, m: TriageMessage, rules: RiskResult): Promise<TriageRow> {
  const base: TriageRow = { alert_id: m.alert.alert_id, ...rules, analyzer: "rules" };
  if (!deps.llm) return base;
  try {
    const v = await deps.llm.analyze(m, rules);
    return {
      alert_id: m.alert.alert_id,
      risk_score: v.risk_score,
      risk_level: v.risk_level,
      confidence: v.confidence,
      analysis_result: v.analysis,
      recommended_actions: v.recommended_actions,
      requires_human_review: v.requires_human_review || rules.requires_human_review,
      inputs: { ...rules.inputs, rule_based: rules as unknown as JsonObject },
      analyzer: `llm:${deps.llm.name}`,
    };
  } catch (error) {
    deps.log.warn(
      { alert_id: m.alert.alert_id, err: reasonOf(error) },
      "LLM analysis failed; using the rules",
    );
    return { ...base, inputs: { ...rules.inputs, llm_error: reasonOf(error) } };
  }
}

/**
 * ai-triage-agent: risk verdict per alert in `triage_results`, then incidents. Exactly once per alert
 * whatever the broker redelivers: alerts already triaged are dropped before any work (no second LLM
 * call), and inside the transaction only the alerts this batch moves to `triaged` (`markStage`'s claim,
 * which waits for a concurrent transaction on the same alert) get a result and join an incident.
 */
export function triageStage(deps: TriageDeps): StageHandler {
  return async (input) => {
    const now = nowIso(deps);
    const done = await alertsAtOrPast(
      deps.store.db,
      input.map((m) => m.alert.alert_id),
      "triaged",
    );
    const batch = input.filter((m) => !done.has(m.alert.alert_id));
    if (batch.length === 0) return [];
    for (const m of batch) m.normalized ??= normalizeAlert(m.alert, now);
    const rules = [...new Set(batch.map((m) => m.normalized!.rule.name).filter((r): r is string => !!r))];
    const past = await verdictCounts(deps.store.db, rules);
    const items: GroupItem[] = [];
    const rows: TriageRow[] = [];
    for (const m of batch) {
      const n = m.normalized!;
      const risk = assessRisk(
        n,
        inputsOf(m, n.rule.name ? past.get(n.rule.name) : undefined),
        deps.config.humanReviewScore,
      );
      const row = await withLlm(deps, m, risk);
      rows.push(row);
      const network = m.enrichment.source_network as
        | { source?: { classification?: string } | null }
        | undefined;
      items.push({
        alertId: m.alert.alert_id,
        normalized: n,
        risk: { ...risk, risk_score: row.risk_score, risk_level: row.risk_level as RiskResult["risk_level"] },
        sourceClass: network?.source?.classification ?? null,
      });
    }
    await deps.store.transaction(async (tx) => {
      const claimed = await markStage(
        tx.db,
        batch.map((m) => m.alert.alert_id),
        "triaged",
        now,
      );
      await upsertTriage(
        tx,
        rows.filter((r) => claimed.has(r.alert_id)),
        now,
      );
      await deps.incidents.assign(
        tx,
        items.filter((i) => claimed.has(i.alertId)),
        deps.clock.now(),
      );
    });
    return [];
  };
}
