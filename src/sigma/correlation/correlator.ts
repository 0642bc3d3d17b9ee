/**
 * Correlation rules evaluated live, in record time: the events that matched the referred rules (and the
 * matches of referred correlations, for chains) are grouped by the `group-by` values (through `aliases`
 * when a rule names the field differently), kept while they are within `timespan` of the newest, and the
 * correlation matches when its condition holds:
 *
 * - event_count: events in the window; value_count: distinct values of `field`; value_sum / value_avg: the
 *   sum / mean of `field`;
 * - temporal: every referred rule (or `condition`'s number of them) seen in the window, in any order;
 *   temporal_ordered: seen in the order written, the first to the last within the timespan.
 *
 * A condition with lower bounds only fires at the event that makes it hold; any other is judged when the
 * group's window (from its first event) has passed. A group that fired starts again, so one burst is one
 * match. State is plain data (`exportState`), journalled per group for a batch's rollback.
 */
import type { JsonObject, JsonValue } from "../../core/json.js";
import type { UndoLog } from "../../core/undo.js";
import type { CorrelationRule } from "../rules.js";
import { holds, judgedOnArrival } from "./condition.js";
import { copyGroup, type GroupState, MAX_EVENTS_PER_GROUP, type WindowEvent } from "./group-state.js";

/** An event a correlation may count: a detection rule's match, or a referred correlation's. */
export interface CorrelationEvent {
  ruleId: string;
  /** Record time, ms. */
  time: number;
  refs: readonly number[];
  /** A field of the event, by Sigma name. */
  read(field: string): JsonValue | undefined;
}

export interface CorrelationMatch {
  rule: CorrelationRule;
  time: number;
  /** group-by field → value. */
  group: JsonObject;
  /** The aggregate that met the condition (count, distinct values, sum, mean, rules seen). */
  value: number;
  /** Every contributing event: the referred rule's id, its time and its records. */
  events: { ruleId: string; at: number; refs: number[] }[];
}

export interface CorrelatorOptions {
  /** Groups kept per correlation; the least recently touched is dropped first. */
  maxGroups: number;
  undo?: UndoLog;
}

interface Consumer {
  rule: CorrelationRule;
  /** Positions of the event's rule in `rule.rules` (a rule may be listed twice in a sequence). */
  positions: number[];
}

const STATE_VERSION = 1;

export class Correlator {
  readonly #groups = new Map<string, Map<string, GroupState>>();
  readonly #consumers = new Map<string, Consumer[]>();
  readonly #byId = new Map<string, CorrelationRule>();
  /** Record time of the newest event, and the wall time it arrived: the clock windows close by. */
  #clock = { record: Number.NEGATIVE_INFINITY, wall: 0 };
  /** Per group key, the batch epoch its undo copy was taken in. */
  readonly #journalled = new Map<string, number>();

  constructor(
    readonly rules: readonly CorrelationRule[],
    readonly options: CorrelatorOptions,
  ) {
    for (const rule of rules) {
      this.#byId.set(rule.id, rule);
      this.#groups.set(rule.id, new Map());
      rule.rules.forEach((ref, i) => {
        const list = this.#consumers.get(ref) ?? [];
        let c = list.find((x) => x.rule === rule);
        if (!c) {
          c = { rule, positions: [] };
          list.push(c);
        }
        c.positions.push(i);
        this.#consumers.set(ref, list);
      });
    }
    options.undo?.keep(
      () => ({ ...this.#clock }),
      (clock) => {
        this.#clock = clock;
      },
    );
  }

  /** Whether any correlation reads matches of this rule (so callers skip the rest for the others). */
  consumes(ruleId: string): boolean {
    return this.#consumers.has(ruleId);
  }

  /** The matches this event completes, chained correlations included. */
  observe(event: CorrelationEvent, wallNow = Date.now()): CorrelationMatch[] {
    if (event.time > this.#clock.record) this.#clock = { record: event.time, wall: wallNow };
    const out: CorrelationMatch[] = [];
    const queue: CorrelationEvent[] = [event];
    while (queue.length > 0) {
      const ev = queue.shift()!;
      for (const consumer of this.#consumers.get(ev.ruleId) ?? []) {
        const match = this.#feed(consumer, ev);
        if (match) {
          out.push(match);
          queue.push(matchAsEvent(match));
        }
      }
    }
    return out;
  }

  /**
   * Closes windows whose timespan has passed in record time, for conditions judged at a window's end.
   * While no record arrives, record time is taken to advance with the wall clock from the newest record.
   */
  tick(wallNow: number): CorrelationMatch[] {
    if (this.#clock.record === Number.NEGATIVE_INFINITY) return [];
    const now = this.#clock.record + Math.max(0, wallNow - this.#clock.wall);
    const out: CorrelationMatch[] = [];
    for (const rule of this.rules) {
      const groups = this.#groups.get(rule.id)!;
      for (const [key, group] of [...groups]) {
        if (group.windowStart + rule.timespanMs >= now) continue;
        if (!judgedOnArrival(rule.condition) && isCounting(rule)) {
          this.#journal(rule, key, group);
          const match = this.#judgeClosedWindow(rule, group);
          if (match) {
            out.push(match);
            out.push(...this.observe(matchAsEvent(match), wallNow));
          }
        } else if (lastActivity(group) < now - rule.timespanMs) this.#journal(rule, key, group);
        else continue;
        groups.delete(key);
      }
    }
    return out;
  }

  #journal(rule: CorrelationRule, key: string, group: GroupState | undefined): void {
    const undo = this.options.undo;
    if (!undo?.recording) return;
    const groups = this.#groups.get(rule.id)!;
    // First change to this correlation in the batch: remember the groups' order (which one is evicted
    // next), put back after every group's own undo (undo runs last-pushed first).
    if (this.#journalled.get(rule.id) !== undo.epoch) {
      this.#journalled.set(rule.id, undo.epoch);
      const order = [...groups.keys()];
      undo.push(() => {
        const current = new Map(groups);
        groups.clear();
        for (const k of order) {
          const g = current.get(k);
          if (g) groups.set(k, g);
        }
      });
    }
    const id = `${rule.id}\u0000${key}`;
    if (this.#journalled.get(id) === undo.epoch) return;
    this.#journalled.set(id, undo.epoch);
    const before = group ? copyGroup(group) : undefined;
    undo.push(() => {
      if (before) groups.set(key, before);
      else groups.delete(key);
    });
  }

  #feed(consumer: Consumer, ev: CorrelationEvent): CorrelationMatch | null {
    const rule = consumer.rule;
    const values: JsonValue[] = [];
    for (const g of rule.groupBy) {
      const field = rule.aliases.get(g)?.get(ev.ruleId) ?? g;
      const v = ev.read(field);
      // An event without a group-by value cannot be put in a group (backends drop it likewise).
      if (v === undefined || v === null) return null;
      values.push(v);
    }
    let value: JsonValue | undefined;
    if (rule.field !== null) {
      value = ev.read(rule.field);
      if (value === undefined || value === null) return null;
    }
    const key = JSON.stringify(values);
    const groups = this.#groups.get(rule.id)!;
    let group = groups.get(key);
    this.#journal(rule, key, group);
    if (group) {
      groups.delete(key); // re-inserted below: most recently touched last
    } else {
      group = { values, events: [], windowStart: ev.time };
      if (groups.size >= this.options.maxGroups) {
        const oldest = groups.keys().next().value as string;
        this.#journal(rule, oldest, groups.get(oldest));
        groups.delete(oldest);
      }
    }
    groups.set(key, group);
    const events = consumer.positions.map(
      (position) =>
        ({
          at: ev.time,
          rule: position,
          refs: [...ev.refs],
          ...(value !== undefined ? { value } : {}),
        }) as WindowEvent,
    );

    if (rule.type === "temporal_ordered") return this.#ordered(rule, group, events);
    if (isCounting(rule) && !judgedOnArrival(rule.condition)) {
      let match: CorrelationMatch | null = null;
      if (group.events.length > 0 && ev.time > group.windowStart + rule.timespanMs) {
        match = this.#judgeClosedWindow(rule, group);
        group.events = [];
      }
      if (group.events.length === 0) group.windowStart = ev.time;
      push(group, events[0]!);
      return match;
    }
    // Judged at each event over the sliding window ending at it.
    const from = ev.time - rule.timespanMs;
    group.events = group.events.filter((e) => e.at >= from);
    for (const e of rule.type === "temporal" ? events : events.slice(0, 1)) push(group, e);
    group.windowStart = group.events[0]?.at ?? ev.time;
    const aggregate = this.#aggregate(rule, group.events);
    const fires =
      rule.type === "temporal" && rule.condition.length === 0
        ? aggregate === rule.rules.length
        : holds(rule.condition, aggregate);
    if (!fires) return null;
    const match = this.#match(rule, group, group.events, aggregate, ev.time);
    group.events = [];
    return match;
  }

  #ordered(rule: CorrelationRule, group: GroupState, events: WindowEvent[]): CorrelationMatch | null {
    const steps = rule.rules.length;
    group.chains ??= new Array(steps).fill(null);
    const chains = group.chains;
    // Highest position first, so one event does not serve as two steps of one chain.
    for (const e of [...events].sort((a, b) => b.rule - a.rule)) {
      const i = e.rule;
      if (i === 0) chains[0] = { start: e.at, events: [e] };
      else {
        const prev = chains[i - 1];
        if (!prev || e.at - prev.start > rule.timespanMs || e.at < prev.events.at(-1)!.at) continue;
        // The latest start that reaches this step leaves the most time for the rest.
        const cur = chains[i];
        if (!cur || prev.start >= cur.start) chains[i] = { start: prev.start, events: [...prev.events, e] };
      }
    }
    const done = chains[steps - 1];
    if (!done) return null;
    group.chains = new Array(steps).fill(null);
    group.events = [];
    return this.#match(rule, group, done.events, steps, done.events.at(-1)!.at);
  }

  #judgeClosedWindow(rule: CorrelationRule, group: GroupState): CorrelationMatch | null {
    const aggregate = this.#aggregate(rule, group.events);
    if (!holds(rule.condition, aggregate)) return null;
    return this.#match(rule, group, group.events, aggregate, group.events.at(-1)?.at ?? group.windowStart);
  }

  #aggregate(rule: CorrelationRule, events: readonly WindowEvent[]): number {
    switch (rule.type) {
      case "event_count":
        return events.length;
      case "value_count":
        return new Set(events.map((e) => JSON.stringify(e.value))).size;
      case "value_sum":
      case "value_avg": {
        let sum = 0;
        let n = 0;
        for (const e of events) {
          const x = typeof e.value === "number" ? e.value : Number(e.value);
          if (Number.isNaN(x)) continue;
          sum += x;
          n++;
        }
        return rule.type === "value_sum" ? sum : n === 0 ? 0 : sum / n;
      }
      default:
        return new Set(events.map((e) => e.rule)).size;
    }
  }

  #match(
    rule: CorrelationRule,
    group: GroupState,
    events: readonly WindowEvent[],
    value: number,
    time: number,
  ): CorrelationMatch {
    const groupObject: JsonObject = {};
    rule.groupBy.forEach((g, i) => {
      groupObject[g] = group.values[i]!;
    });
    return {
      rule,
      time,
      group: groupObject,
      value,
      events: events.map((e) => ({ ruleId: rule.rules[e.rule]!, at: e.at, refs: e.refs })),
    };
  }

  exportState(): JsonValue {
    const correlations: JsonObject = {};
    for (const rule of this.rules) {
      const groups = this.#groups.get(rule.id)!;
      if (groups.size === 0) continue;
      correlations[rule.id] = {
        fingerprint: fingerprint(rule),
        groups: [...groups].map(([key, g]) => [key, g as unknown as JsonValue]),
      };
    }
    const clock = Number.isFinite(this.#clock.record) ? [this.#clock.record, this.#clock.wall] : null;
    return { version: STATE_VERSION, clock, correlations };
  }

  /** Restores saved groups of the correlations still loaded unchanged; a changed rule starts afresh. */
  importState(state: JsonValue): void {
    if (!isObject(state) || state.version !== STATE_VERSION || !isObject(state.correlations)) return;
    if (Array.isArray(state.clock))
      this.#clock = { record: Number(state.clock[0]), wall: Number(state.clock[1]) };
    for (const [id, saved] of Object.entries(state.correlations)) {
      const rule = this.#byId.get(id);
      if (
        !rule ||
        !isObject(saved) ||
        saved.fingerprint !== fingerprint(rule) ||
        !Array.isArray(saved.groups)
      )
        continue;
      const groups = this.#groups.get(id)!;
      for (const entry of saved.groups) {
        if (!Array.isArray(entry) || typeof entry[0] !== "string" || !isObject(entry[1])) continue;
        groups.set(entry[0], copyGroup(entry[1] as unknown as GroupState));
      }
    }
  }

  /** Groups held across correlations (status). */
  get groupCount(): number {
    let n = 0;
    for (const g of this.#groups.values()) n += g.size;
    return n;
  }
}

/** The newest event a group holds (a sequence's partial chains included): older than the timespan, it is done. */
function lastActivity(group: GroupState): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const e of group.events) last = Math.max(last, e.at);
  for (const chain of group.chains ?? []) for (const e of chain?.events ?? []) last = Math.max(last, e.at);
  return last;
}

function isCounting(rule: CorrelationRule): boolean {
  return rule.type !== "temporal" && rule.type !== "temporal_ordered";
}

function push(group: GroupState, e: WindowEvent): void {
  group.events.push(e);
  if (group.events.length > MAX_EVENTS_PER_GROUP) group.events.shift();
}

/** A correlation's match as an event for the correlations that refer to it: its group-by values are its fields. */
function matchAsEvent(match: CorrelationMatch): CorrelationEvent {
  return {
    ruleId: match.rule.id,
    time: match.time,
    refs: [...new Set(match.events.flatMap((e) => e.refs))],
    read: (field) => match.group[field],
  };
}

/** What a saved group depends on: a rule edited in these is a different rule, and its state is dropped. */
function fingerprint(rule: CorrelationRule): string {
  return JSON.stringify([rule.type, rule.rules, rule.groupBy, rule.timespanMs, rule.condition, rule.field]);
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
