/** Compiled rules, as the engine and its callers (detector, CLI, API) see them. */
import type { CompiledDetection } from "./compile-detection.js";
import type { ConditionOperator, CorrelationType, SigmaLevel } from "./rule-document.js";

export interface RuleLogSource {
  product?: string;
  category?: string;
  service?: string;
}

export interface RuleMeta {
  /** The rule's `id`, or, when it has none, a stable stand-in made from its file and document number. */
  id: string;
  name: string | null;
  title: string;
  status: string | null;
  level: SigmaLevel;
  description: string | null;
  tags: readonly string[];
  /** File (and document number in a multi-document file) it was read from. */
  source: string;
}

export interface DetectionRule extends RuleMeta {
  kind: "detection";
  logsource: RuleLogSource;
  detection: CompiledDetection;
  /**
   * Whether a match is a finding of its own: true unless a correlation refers to the rule without
   * `generate: true` (the specification: referred rules only feed the correlation by default).
   */
  standalone: boolean;
}

export interface CorrelationCondition {
  op: ConditionOperator;
  value: number;
}

export interface CorrelationRule extends RuleMeta {
  kind: "correlation";
  type: CorrelationType;
  /** Referred rules (detection or correlation), resolved, in the order written. */
  rules: readonly string[];
  groupBy: readonly string[];
  timespanMs: number;
  /** Every criterion must hold (a range is two). Temporal types without a condition: all rules seen. */
  condition: readonly CorrelationCondition[];
  /** value_count / value_sum / value_avg / value_percentile: the field counted or summed. */
  field: string | null;
  /** alias → referred rule id → field name in that rule's events. */
  aliases: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** `generate: true`: the referred rules are findings of their own as well. */
  generate: boolean;
  standalone: boolean;
}

export type SigmaRule = DetectionRule | CorrelationRule;

/**
 * Whether a rule's match is a finding: a standalone rule not of level `informational`, which the
 * specification reserves for enrichment ("no case or alerting should be triggered … a huge amount of events
 * will match"): its matches are counted (hits, last match) and feed correlations, nothing more.
 */
export function raisesFindings(rule: DetectionRule | CorrelationRule): boolean {
  return rule.standalone && rule.level !== "informational";
}
