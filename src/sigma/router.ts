/**
 * Log source routing: an event meets only the rules whose `logsource` it belongs to. A rule's product,
 * category and service must each be absent or among the event's (an event has one product but may be in
 * several categories: a Sysmon registry value set is `registry_set` and `registry_event`). The rules of each
 * distinct route key (the values that decide the log source: channel and event id, program) are worked out
 * once and memoised, so routing an event costs one key and one map lookup.
 */
import type { EventLogSource, LogSourceMapping } from "./log-source-mapping.js";
import type { SigmaRecord } from "./record.js";
import type { DetectionRule } from "./rules.js";

/** Route keys memoised per mapping before the memo is cleared (a hostile stream of distinct channels). */
const MAX_ROUTES = 4096;

export class LogSourceRouter {
  readonly #routes = new Map<LogSourceMapping, Map<string, readonly DetectionRule[]>>();

  constructor(
    readonly mappings: readonly LogSourceMapping[],
    readonly rules: readonly DetectionRule[],
  ) {}

  /** The mapping a record is read with (the first that applies), or null: no rule can apply. */
  mappingOf(record: SigmaRecord): LogSourceMapping | null {
    for (const m of this.mappings) if (m.applies(record)) return m;
    return null;
  }

  rulesFor(mapping: LogSourceMapping, record: SigmaRecord): readonly DetectionRule[] {
    let memo = this.#routes.get(mapping);
    if (!memo) {
      memo = new Map();
      this.#routes.set(mapping, memo);
    }
    const key = mapping.routeKey(record);
    let rules = memo.get(key);
    if (rules === undefined) {
      if (memo.size >= MAX_ROUTES) memo.clear();
      rules = rulesOfSource(this.rules, mapping.logSourceOf(record));
      memo.set(key, rules);
    }
    return rules;
  }
}

export function rulesOfSource(rules: readonly DetectionRule[], source: EventLogSource): DetectionRule[] {
  return rules.filter((r) => appliesTo(r, source));
}

export function appliesTo(rule: DetectionRule, source: EventLogSource): boolean {
  const ls = rule.logsource;
  if (ls.product !== undefined && ls.product !== source.product) return false;
  if (ls.service !== undefined && !source.services.includes(ls.service)) return false;
  if (ls.category !== undefined && !source.categories.includes(ls.category)) return false;
  return true;
}
