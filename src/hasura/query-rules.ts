import type { JsonObject, JsonValue } from "../core/json.js";
import type { QueryShape } from "./graphql-query.js";
import { ownValue, type QueryProfile } from "./query-profile.js";

/** One entry of `query_analysis.records` (contract §4.8.4). */
export interface AnalysisRecord {
  record_index: number;
  reason: string;
  risk_level: "low" | "medium" | "high";
  category:
    | "unusual_combination"
    | "size_anomaly"
    | "range_violation"
    | "security_concern"
    | "business_logic";
}

export interface RuleFindings {
  concerns: string[];
  recommendations: string[];
  records: AnalysisRecord[];
  /** A high-risk finding: sets `anomalies_detected`. */
  alarming: boolean;
}

/** Thresholds of the rule-based analysis (no setting: they describe unusual GraphQL, not a deployment). */
export const RULE_LIMITS = {
  maxDepth: 6,
  maxBreadth: 50,
  largeResult: 1000,
  /** Requests a query needs before a new role or variable is unusual for it. */
  learnedAfter: 5,
  /** A numeric variable this many times its largest past value is over-retrieval. */
  variableGrowth: 10,
} as const;

/** Secrets and identifiers that should never reach a client in bulk: each exposure is a record finding. */
const SECRET_FIELD =
  /^(ssn|social_security(_number)?|tin|tax_id|password|passwd|password_hash|secret|api_key|access_token|refresh_token|token|credit_card(_number)?|card_number|cvv|iban)$/;
/** Personal data (PII): worth a concern, not an alarm, since many legitimate queries return it. */
const PERSONAL_FIELD = /(^|_)(salary|email|phone|mobile|dob|birth_?date|date_of_birth)($|_)/;

const snake = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[-\s]/g, "_")
    .toLowerCase();

export interface RuleInput {
  shape: QueryShape | null;
  records: readonly JsonObject[];
  /** Dataset index of each entry of `records`. */
  recordIndexes: readonly number[];
  role: string | null;
  variables: Record<string, JsonValue> | null;
  /** Learned from earlier requests of the same query hash; null for `/analyze/{id}` (no query, no role). */
  profile: QueryProfile | null;
}

/**
 * Rule-based security analysis: what an analyst would flag without an LLM. Deterministic; runs on every
 * analysed dataset, and its findings are added to the LLM's when one is configured.
 */
export function evaluateRules(input: RuleInput): RuleFindings {
  const out: RuleFindings = { concerns: [], recommendations: [], records: [], alarming: false };
  const { shape, records, profile } = input;
  if (shape) {
    if (shape.introspectionFields.length > 0) {
      out.concerns.push(`Introspection fields selected: ${shape.introspectionFields.join(", ")}`);
      out.recommendations.push("Disable schema introspection for this role in production");
      out.alarming = true;
    }
    if (shape.maxDepth > RULE_LIMITS.maxDepth) {
      out.concerns.push(
        `Excessive query depth: ${shape.maxDepth} levels (more than ${RULE_LIMITS.maxDepth})`,
      );
      out.recommendations.push("Limit query depth for this role");
    }
    if (shape.maxBreadth > RULE_LIMITS.maxBreadth) {
      out.concerns.push(
        `Excessive query breadth: ${shape.maxBreadth} fields in one selection (more than ${RULE_LIMITS.maxBreadth})`,
      );
      out.recommendations.push("Select only the fields the client needs");
    }
  }
  if (records.length > RULE_LIMITS.largeResult) {
    out.concerns.push(
      `Very large result set: ${records.length} records (more than ${RULE_LIMITS.largeResult})`,
    );
    out.recommendations.push("Paginate this query (limit/offset) to avoid over-retrieval");
  }

  const personal = new Set<string>();
  const secretsSeen = new Set<string>();
  records.forEach((record, i) => {
    for (const [key, value] of Object.entries(record)) {
      if (value === null || value === undefined || value === "") continue;
      const name = snake(key);
      if (SECRET_FIELD.test(name) && !secretsSeen.has(key)) {
        secretsSeen.add(key);
        out.records.push({
          record_index: input.recordIndexes[i] ?? i,
          reason: `Sensitive field "${key}" is returned to the client`,
          risk_level: "high",
          category: "security_concern",
        });
      } else if (PERSONAL_FIELD.test(name)) {
        personal.add(key);
      }
    }
  });
  if (secretsSeen.size > 0) {
    out.concerns.push(`Sensitive fields exposed: ${[...secretsSeen].join(", ")}`);
    out.recommendations.push("Remove secrets and identifiers from this role's permissions");
    out.alarming = true;
  }
  if (personal.size > 0) {
    out.concerns.push(`Personal data fields returned: ${[...personal].join(", ")}`);
    out.recommendations.push("Check that this role needs the personal data it reads");
  }

  if (profile && profile.requests >= RULE_LIMITS.learnedAfter) {
    if (input.role !== null && ownValue(profile.roles, input.role) === undefined) {
      const usual = Object.keys(profile.roles).join(", ") || "none";
      out.concerns.push(`Unusual role for this query: "${input.role}" (seen before: ${usual})`);
      out.recommendations.push("Verify that this role is expected to run this query");
    }
    for (const [name, value] of Object.entries(input.variables ?? {})) {
      const past = ownValue(profile.variables, name);
      if (!past) {
        out.concerns.push(`Unusual variable for this query: "${name}" was never sent before`);
      } else if (
        typeof value === "number" &&
        past.max !== null &&
        past.max > 0 &&
        value > past.max * RULE_LIMITS.variableGrowth
      ) {
        out.concerns.push(
          `Unusual variable value: ${name} = ${value}, its largest earlier value was ${past.max}`,
        );
        out.recommendations.push(`Cap "${name}" to the range this query normally uses`);
      }
    }
  }
  return out;
}
