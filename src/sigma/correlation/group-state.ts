/**
 * What a correlation keeps per group (the values of its `group-by`): the events of the current window,
 * each with its time, the rule it matched, its evidence and (for value_* types) the field's value. Plain
 * data, so it is saved as it is (detector state) and copied for the undo journal.
 */
import type { JsonValue } from "../../core/json.js";

export interface WindowEvent {
  /** Record time, ms. */
  at: number;
  /** Index of the referred rule it matched (order of `rules`). */
  rule: number;
  /** Evidence: the record references behind this event (several for a correlation's own output). */
  refs: number[];
  /** value_count / value_sum / value_avg: the field's value in this event. */
  value?: JsonValue;
}

export interface GroupState {
  /** The group-by values, as they read in the events (for the finding). */
  values: JsonValue[];
  events: WindowEvent[];
  /** Start of the window, for conditions judged when the window closes. */
  windowStart: number;
  /** temporal_ordered: per step, the start time and events of the latest chain that reached it. */
  chains?: ({ start: number; events: WindowEvent[] } | null)[];
}

/** Events kept per group at most: a count past it is already far over any sensible threshold. */
export const MAX_EVENTS_PER_GROUP = 10_000;

export function copyGroup(g: GroupState): GroupState {
  return {
    values: [...g.values],
    events: g.events.map((e) => ({ ...e, refs: [...e.refs] })),
    windowStart: g.windowStart,
    ...(g.chains
      ? {
          chains: g.chains.map((c) =>
            c ? { start: c.start, events: c.events.map((e) => ({ ...e })) } : null,
          ),
        }
      : {}),
  };
}
