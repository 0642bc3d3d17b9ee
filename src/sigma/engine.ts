/**
 * The engine: loaded rules and field mappings in, per record the rules that matched out. A record is read
 * with the first mapping that applies to it, routed to the rules of its log source, and each of those
 * rules' compiled test runs on one shared, memoised view of its fields.
 */
import type { JsonObject, JsonValue } from "../core/json.js";
import { EventFields } from "./event-fields.js";
import type { LoadedRules } from "./load-rules.js";
import type { LogSourceMapping } from "./log-source-mapping.js";
import type { SigmaRecord } from "./record.js";
import { LogSourceRouter } from "./router.js";
import type { DetectionRule } from "./rules.js";

export interface RuleMatch {
  rule: DetectionRule;
  /** The fields the rule's matching entries read, with this event's values (`keywords` for a keyword hit). */
  fields: JsonObject;
}

export interface Evaluation {
  mapping: LogSourceMapping;
  /** Event time, ms: the mapping's time field, else the record's timestamp. */
  time: number;
  matches: RuleMatch[];
  /**
   * A Sigma field of this event (group-by and value fields of correlations), read through the mapping.
   * Valid until the next `evaluate`: the field view is reused from event to event.
   */
  read(field: string): JsonValue | undefined;
}

export class SigmaEngine {
  readonly #router: LogSourceRouter;
  readonly #fields: EventFields;

  constructor(
    readonly rules: LoadedRules,
    readonly mappings: readonly LogSourceMapping[],
  ) {
    this.#router = new LogSourceRouter(mappings, rules.detections, rules.fields);
    // Correlation fields get their slots now, before any event sizes the view.
    for (const c of rules.correlations) {
      for (const f of [...c.groupBy, ...(c.field ? [c.field] : [])]) rules.fields.slotOf(f);
      for (const perRule of c.aliases.values()) for (const f of perRule.values()) rules.fields.slotOf(f);
    }
    this.#fields = new EventFields(rules.fields);
  }

  /** How many rules a record of this kind meets after routing (bench, tests). */
  routedCount(record: SigmaRecord): number {
    const mapping = this.#router.mappingOf(record);
    return mapping ? this.#router.routeFor(mapping, record).rules.length : 0;
  }

  /** Whether the mapping that reads `record` reads its derived fields (false when none reads it). */
  readsDerived(record: SigmaRecord): boolean {
    return this.#router.mappingOf(record)?.readsDerived ?? false;
  }

  /** The rules that match `record`; null when no mapping reads it (no rule can apply). */
  evaluate(record: SigmaRecord): Evaluation | null {
    const mapping = this.#router.mappingOf(record);
    if (!mapping) return null;
    const { rules, prefilter } = this.#router.routeFor(mapping, record);
    const ev = this.#fields;
    ev.reset(record, mapping);
    // Only the rules each of whose necessary clauses the event holds (and those without any) run.
    const candidates = prefilter.candidates(ev);
    const matches: RuleMatch[] = [];
    for (let i = 0; i < candidates.length; i++) {
      const rule = rules[candidates[i]!]!;
      if (rule.detection.test(ev)) matches.push({ rule, fields: this.#matchedFields(rule) });
    }
    const table = this.rules.fields;
    // The event time is parsed only when asked for (a correlation counts the event, a test reads it): most
    // events match nothing.
    let time: number | undefined;
    return {
      mapping,
      get time() {
        time ??= mapping.timeOf(record);
        return time;
      },
      matches,
      read: (field) => toJson(ev.raw(table.slotOf(field))),
    };
  }

  #matchedFields(rule: DetectionRule): JsonObject {
    const out: JsonObject = {};
    const ev = this.#fields;
    for (const entry of rule.detection.entries) {
      if (!entry.test(ev)) continue;
      if (entry.field === null) out.keywords = true;
      else {
        const value = toJson(ev.raw(this.rules.fields.slotOf(entry.field)));
        if (value !== undefined) out[entry.field] = value;
      }
    }
    return out;
  }
}

function toJson(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return value;
  if (Array.isArray(value)) return value as JsonValue[];
  if (typeof value === "object") return value as JsonObject;
  return String(value);
}
