import type { JsonObject } from "../core/json.js";
import type { Severity } from "../core/severity.js";
import type { IntelVerdict, NormalizedAlert } from "./types.js";

/** Every input of the rule-based risk model (docs/triage.md#risk-model); all are echoed in the result. */
export interface RiskInputs {
  severity: Severity;
  /** 0–1 from the detector, or null when it gave none (counted as 0.5). */
  detector_confidence: number | null;
  /** From the asset inventory; null when the asset is unknown. */
  asset_criticality: Severity | null;
  /** From the user inventory; null when the user is unknown. */
  user_privileged: boolean | null;
  source_network: string | null;
  ioc_hits: { ioc: string; ioc_type: string; threat_level: string; source: string }[];
  /** Analyst verdicts on earlier alerts of the same rule. */
  past_verdicts: { true_positive: number; false_positive: number };
}

export interface RiskResult {
  risk_score: number;
  risk_level: Severity;
  confidence: number;
  analysis_result: string;
  recommended_actions: string[];
  requires_human_review: boolean;
  inputs: JsonObject;
}

/** Points per input; changing one changes the documented model, so docs/triage.md lists the same table. */
export const RISK_WEIGHTS = {
  severity: { low: 15, medium: 30, high: 45, critical: 60 },
  /** (confidence − 0.5) × this: ±10. */
  detectorConfidence: 20,
  assetCriticality: { low: 0, medium: 5, high: 10, critical: 15 },
  privilegedUser: 10,
  publicSource: 5,
  maliciousIoc: 25,
  extraMaliciousIoc: 5,
  suspiciousIoc: 10,
  /** Applied with at least `minVerdicts` past verdicts: + tp share × this, − fp share × `falsePositive`. */
  truePositive: 10,
  falsePositive: 25,
  minVerdicts: 3,
} as const;

export function levelOf(score: number): Severity {
  if (score >= 80) return "critical";
  if (score >= 60) return "high";
  if (score >= 35) return "medium";
  return "low";
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The rule-based triage: a pure function of its inputs. */
export function assessRisk(n: NormalizedAlert, inputs: RiskInputs, humanReviewScore: number): RiskResult {
  const W = RISK_WEIGHTS;
  const parts: { input: string; points: number }[] = [];
  const add = (input: string, points: number) => {
    if (points !== 0) parts.push({ input, points: round1(points) });
  };
  add("severity", W.severity[inputs.severity]);
  add("detector_confidence", ((inputs.detector_confidence ?? 0.5) - 0.5) * W.detectorConfidence);
  if (inputs.asset_criticality) add("asset_criticality", W.assetCriticality[inputs.asset_criticality]);
  if (inputs.user_privileged) add("user_privileged", W.privilegedUser);
  if (inputs.source_network === "public") add("source_network", W.publicSource);
  const malicious = inputs.ioc_hits.filter((h) => h.threat_level === "malicious");
  const suspicious = inputs.ioc_hits.filter((h) => h.threat_level === "suspicious");
  if (malicious.length > 0)
    add("ioc_hits", W.maliciousIoc + Math.min(2, malicious.length - 1) * W.extraMaliciousIoc);
  else if (suspicious.length > 0) add("ioc_hits", W.suspiciousIoc);
  const pv = inputs.past_verdicts;
  const judged = pv.true_positive + pv.false_positive;
  if (judged >= W.minVerdicts) {
    add(
      "past_verdicts",
      (pv.true_positive / judged) * W.truePositive - (pv.false_positive / judged) * W.falsePositive,
    );
  }
  const score = round1(
    Math.max(
      0,
      Math.min(
        100,
        parts.reduce((s, p) => s + p.points, 0),
      ),
    ),
  );
  const level = levelOf(score);

  // Confidence grows with what the model actually knew, not with the score.
  let confidence = 0.4;
  if (inputs.detector_confidence !== null) confidence += 0.1;
  if (inputs.asset_criticality !== null) confidence += 0.1;
  if (inputs.user_privileged !== null) confidence += 0.1;
  if (inputs.ioc_hits.length > 0) confidence += 0.15;
  if (judged >= W.minVerdicts) confidence += 0.1;
  confidence = Math.round(Math.min(0.95, confidence) * 100) / 100;

  const actions: string[] = [];
  const maliciousSource = malicious.find((h) => h.ioc_type === "ip" && h.ioc === n.source.ip);
  if (maliciousSource) actions.push(`block_ip:${maliciousSource.ioc}`);
  for (const h of malicious.filter((x) => x.ioc_type === "hash")) actions.push(`quarantine_file:${h.ioc}`);
  for (const h of malicious.filter((x) => x.ioc_type === "domain" || x.ioc_type === "url"))
    actions.push(`block_${h.ioc_type}:${h.ioc}`);
  const user = n.user.name ?? n.user.id;
  if (user && inputs.user_privileged && score >= 60) actions.push(`disable_user:${user}`);
  const host = n.host.id ?? n.host.name;
  if (host && (inputs.asset_criticality === "critical" || inputs.asset_criticality === "high") && score >= 60)
    actions.push(`isolate_host:${host}`);
  if (level === "low" && actions.length === 0) actions.push("close_as_benign");
  else actions.push("investigate");

  const requiresReview = score >= humanReviewScore || confidence < 0.5 || malicious.length > 0;
  const why = parts.map((p) => `${p.input} ${p.points > 0 ? "+" : ""}${p.points}`).join(", ");
  const rule = n.rule.name ? `"${n.rule.name}"` : "alert";
  const hits = inputs.ioc_hits.length
    ? ` Threat intel: ${inputs.ioc_hits.map((h) => `${h.ioc} ${h.threat_level} (${h.source})`).join("; ")}.`
    : " No IOC matched a feed.";
  return {
    risk_score: score,
    risk_level: level,
    confidence,
    analysis_result: `${rule} scored ${score}/100 (${level}): ${why}.${hits}`,
    recommended_actions: actions,
    requires_human_review: requiresReview,
    inputs: {
      ...(inputs as unknown as JsonObject),
      contributions: parts,
      weights: W as unknown as JsonObject,
      model: "rules-v1",
    },
  };
}

/** IOC hits worth telling the model about: anything a feed or provider had an opinion on. */
export function hitsOf(intel: Record<string, IntelVerdict> | undefined): RiskInputs["ioc_hits"] {
  return Object.values(intel ?? {})
    .filter((v) => v.threat_level === "malicious" || v.threat_level === "suspicious")
    .map((v) => ({ ioc: v.ioc, ioc_type: v.ioc_type, threat_level: v.threat_level, source: v.source }));
}
