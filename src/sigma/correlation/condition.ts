/** A correlation's `condition`: every criterion holds (`gt: 100` with `lte: 200` is a range). */
import type { CorrelationCondition } from "../rules.js";

export function holds(condition: readonly CorrelationCondition[], value: number): boolean {
  for (const { op, value: limit } of condition) {
    const ok =
      op === "gt"
        ? value > limit
        : op === "gte"
          ? value >= limit
          : op === "lt"
            ? value < limit
            : op === "lte"
              ? value <= limit
              : op === "eq"
                ? value === limit
                : value !== limit;
    if (!ok) return false;
  }
  return true;
}

/**
 * Whether the condition can only become true as events arrive (lower bounds only: `gt`, `gte`). Such a
 * condition is judged at each event and fires as soon as it holds. Any other (`lt`, `lte`, `eq`, `neq`, a
 * range) is judged once per window, when its timespan has passed: "fewer than 3 in 10 minutes" is only
 * known at the end of the 10 minutes.
 */
export function judgedOnArrival(condition: readonly CorrelationCondition[]): boolean {
  return condition.length > 0 && condition.every((c) => c.op === "gt" || c.op === "gte");
}
