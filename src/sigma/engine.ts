/**
 * The engine: loaded rules and field mappings in, per record the rules that matched out. A record is read
 * with the first mapping that applies to it, routed to the rules of its log source, and each of those
 * rules' compiled test runs on one shared, memoised view of its fields.
 */
import type { JsonObject, JsonValue } from "../core/json.js";
import { EventFields, type FieldTable } from "./event-fields.js";
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
  readonly mapping: LogSourceMapping;
  /** Event time, ms: the mapping's time field, else the record's timestamp. */
  readonly time: number;
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

  /** The mapping that reads `record` (the first that applies), or null: no rule can apply to it. */
  mappingOf(record: SigmaRecord): LogSourceMapping | null {
    return this.#router.mappingOf(record);
  }

  /**
   * The rules that match `record`; null when no mapping reads it (no rule can apply). `mapping`: the
   * record's, when the caller already asked (`mappingOf`) for the record it derived this one from.
   */
  evaluate(record: SigmaRecord, mapping = this.#router.mappingOf(record)): Evaluation | null {
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
    return new EventEvaluation(mapping, matches, record, ev, this.rules.fields);
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

/** One evaluation: a class, so its lazy time and its reader cost no closure or accessor per event. */
class EventEvaluation implements Evaluation {
  #time: number | undefined;

  constructor(
    readonly mapping: LogSourceMapping,
    readonly matches: RuleMatch[],
    readonly record: SigmaRecord,
    readonly fields: EventFields,
    readonly table: FieldTable,
  ) {}

  /** Parsed when first read (a correlation counts the event, a test reads it): most events match nothing. */
  get time(): number {
    this.#time ??= this.mapping.timeOf(this.record);
    return this.#time;
  }

  read(field: string): JsonValue | undefined {
    return toJson(this.fields.raw(this.table.slotOf(field)));
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
