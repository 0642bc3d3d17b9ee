/**
 * Log source routing: an event meets only the rules whose `logsource` it belongs to. A rule's product,
 * category and service must each be absent or among the event's (an event has one product but may be in
 * several categories: a Sysmon registry value set is `registry_set` and `registry_event`). The rules of each
 * distinct route key (the values that decide the log source: channel and event id, program) are worked out
 * once and memoised, so routing an event costs one key and one map lookup.
 */
import type { FieldTable } from "./event-fields.js";
import { MemoBudget } from "./literal-automaton.js";
import type { EventLogSource, LogSourceMapping } from "./log-source-mapping.js";
import { Prefilter } from "./prefilter.js";
import type { SigmaRecord } from "./record.js";
import type { DetectionRule } from "./rules.js";

/** The rules of one log source, and the prefilter over their literals. */
export interface Route {
  rules: readonly DetectionRule[];
  prefilter: Prefilter;
}

/** Route keys memoised per mapping before the memo is cleared (a hostile stream of distinct channels). */
const MAX_ROUTES = 4096;

export class LogSourceRouter {
  readonly #routes = new Map<LogSourceMapping, Map<string, Route>>();
  /** Routes of equal rule lists share one prefilter (many event ids of a channel meet the same rules). */
  readonly #byRules = new Map<string, Route>();
  /** The memo characters every route's automata share (literal-automaton.ts). */
  #memoBudget = new MemoBudget();

  constructor(
    readonly mappings: readonly LogSourceMapping[],
    readonly rules: readonly DetectionRule[],
    readonly fields: FieldTable,
  ) {}

  /** The mapping a record is read with (the first that applies), or null: no rule can apply. */
  mappingOf(record: SigmaRecord): LogSourceMapping | null {
    for (const m of this.mappings) if (m.applies(record)) return m;
    return null;
  }

  routeFor(mapping: LogSourceMapping, record: SigmaRecord): Route {
    let memo = this.#routes.get(mapping);
    if (!memo) {
      memo = new Map();
      this.#routes.set(mapping, memo);
    }
    const key = mapping.routeKey(record);
    let route = memo.get(key);
    if (route === undefined) {
      if (memo.size >= MAX_ROUTES) memo.clear();
      const rules = rulesOfSource(this.rules, mapping.logSourceOf(record));
      const signature = rules.map((r) => r.id).join("\u0000");
      route = this.#byRules.get(signature);
      if (!route) {
        route = {
          rules,
          prefilter: new Prefilter(
            rules.map((r) => r.detection.need),
            this.fields,
            this.#memoBudget,
          ),
        };
        if (this.#byRules.size >= MAX_ROUTES) {
          this.#byRules.clear();
          // The dropped routes' memos go with them; their characters are not counted against new ones.
          this.#memoBudget = new MemoBudget();
        }
        this.#byRules.set(signature, route);
      }
      memo.set(key, route);
    }
    return route;
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
