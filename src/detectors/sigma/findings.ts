/**
 * Sigma matches as findings like every other detector's: `detector: sigma`, the rule's title, id, level
 * (as the severity, through the one score scale of src/core/severity.ts), ATT&CK tags, the fields that
 * matched and the evidence records. A correlation's finding names its group and cites its events.
 */
import { type Anomaly, describe, type Explanation, MAX_EVIDENCE } from "../../core/anomaly.js";
import type { JsonObject, JsonValue } from "../../core/json.js";
import { hostOf, type ParsedRecord } from "../../core/log-record.js";
import { severityFromScore } from "../../core/severity.js";
import type { CorrelationMatch } from "../../sigma/correlation/correlator.js";
import type { RuleMatch } from "../../sigma/engine.js";
import type { SigmaLevel } from "../../sigma/rule-document.js";
import type { RuleMeta } from "../../sigma/rules.js";
import { recordEntities } from "../record-entities.js";

export const DETECTOR = "sigma";

/** A rule's level as a score, so its severity follows from the score like every detector's. */
const LEVEL_SCORE: Record<SigmaLevel, number> = {
  informational: 0.3,
  low: 0.45,
  medium: 0.6,
  high: 0.85,
  critical: 0.95,
};

/** Field values quoted in a finding are cut here: a command line can be kilobytes. */
const MAX_VALUE_CHARS = 500;

function cut(value: JsonValue): JsonValue {
  if (typeof value === "string" && value.length > MAX_VALUE_CHARS)
    return `${value.slice(0, MAX_VALUE_CHARS)}…`;
  if (typeof value === "object" && value !== null) {
    const text = JSON.stringify(value);
    return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : value;
  }
  return value;
}

function ruleFeatures(rule: RuleMeta): JsonObject {
  return { rule_id: rule.id, rule_title: rule.title, level: rule.level, tags: [...rule.tags] };
}

function tagContributions(rule: RuleMeta): Explanation["contributions"] {
  return rule.tags.map((tag) => ({ name: "tag", value: tag, weight: 1 }));
}

function finding(
  rule: RuleMeta,
  record: { timestamp: string; stream: string | null; host: string | null },
  key: string,
  features: JsonObject,
  explanation: Explanation,
  evidence: number[],
): Anomaly {
  const score = LEVEL_SCORE[rule.level];
  return {
    detector: DETECTOR,
    type: DETECTOR,
    timestamp: record.timestamp,
    service: record.stream,
    key,
    score,
    severity: severityFromScore(score),
    description: describe(explanation),
    features: record.host ? { ...features, host: record.host } : features,
    explanation,
    evidence,
  };
}

/** A detection rule's match on one record. `derived`: the user and source address read from the line. */
export function detectionFinding(
  match: RuleMatch,
  record: ParsedRecord,
  derived: JsonObject | undefined,
): Anomaly {
  const { rule } = match;
  const host = hostOf(record);
  const matched: JsonObject = {};
  for (const [field, value] of Object.entries(match.fields)) matched[field] = cut(value);
  // The account and address the line is about: the authentication reading's, else the record's own
  // fields (an application's JSON record names its `user` and `source_ip`), as other findings name them,
  // so incidents join a rule's match to the other findings about that user or address.
  const own = recordEntities(record);
  const entities: JsonObject = {};
  const user = typeof derived?.user === "string" ? derived.user : own.user;
  const source = typeof derived?.source_ip === "string" ? derived.source_ip : own.source_ip;
  if (typeof user === "string") entities.user = user;
  if (typeof source === "string") entities.source_ip = source;
  return finding(
    rule,
    { timestamp: record.timestamp, stream: record.stream, host },
    // One open finding per rule and host: repeats within the merge window count up on it.
    `${rule.id}|${host ?? ""}`,
    { ...ruleFeatures(rule), matched, ...entities },
    {
      summary: `Sigma rule "${rule.title}" (${rule.level}) matched${host ? ` on ${host}` : ""}`,
      observed: matched,
      expected: { rule: rule.id, ...(rule.description ? { description: cut(rule.description) } : {}) },
      contributions: tagContributions(rule),
      samples: [String(cut(record.body))],
    },
    [record.id],
  );
}

/** A correlation's match: its group, the aggregate that met the condition, every contributing record. */
export function correlationFinding(match: CorrelationMatch, record: ParsedRecord | null): Anomaly {
  const { rule } = match;
  const refs = [...new Set(match.events.flatMap((e) => e.refs))];
  const perRule: JsonObject = {};
  for (const e of match.events) perRule[e.ruleId] = ((perRule[e.ruleId] as number | undefined) ?? 0) + 1;
  const group = Object.entries(match.group)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
  const entities: JsonObject = {};
  for (const [k, v] of Object.entries(match.group)) {
    const lower = k.toLowerCase();
    if (typeof v !== "string") continue;
    if (lower === "user" || lower === "targetusername") entities.user = v;
    if (lower === "src_ip" || lower === "source_ip" || lower === "sourceip" || lower === "ipaddress")
      entities.source_ip = v;
  }
  return finding(
    rule,
    {
      timestamp: record?.timestamp ?? new Date(match.time).toISOString(),
      stream: record?.stream ?? null,
      host: record ? hostOf(record) : null,
    },
    `${rule.id}|${JSON.stringify(match.group)}`,
    {
      ...ruleFeatures(rule),
      correlation_type: rule.type,
      group: match.group,
      value: match.value,
      events: match.events.length,
      ...entities,
    },
    {
      summary: `Sigma correlation "${rule.title}" (${rule.type}, ${rule.level}): ${match.value} for ${group || "all events"} within ${rule.timespanMs / 1000} s`,
      observed: { value: match.value, events: match.events.length, per_rule: perRule, records: refs.length },
      expected: {
        condition: rule.condition.map((c) => `${c.op} ${c.value}`).join(" and ") || "every rule seen",
        timespan_secs: rule.timespanMs / 1000,
      },
      contributions: tagContributions(rule),
      ...(record ? { samples: [String(cut(record.body))] } : {}),
    },
    // The store keeps the latest MAX_EVIDENCE; the count of every contributing record is in `observed`.
    refs.slice(-MAX_EVIDENCE),
  );
}
