import { type JsonObject, type JsonValue, MAX_JSON_DEPTH, setField } from "./json.js";

/**
 * What one decoded value may hold, at every door (HTTP bodies and the `message` inside them, uploads,
 * syslog, OTLP, files, the PostgreSQL source, MCP analysis). Whoever can make a program log a line
 * controls these values, and every walk over them (JSON.stringify when a record is stored, flattening,
 * validation) is recursive: 4,500 nested brackets in one syslog datagram overflowed the stack and ended
 * the process. A value inside the budget passes untouched; past it, the line is kept as text or the
 * structured part is cut (`cutToBudget`), and the record says so (`DECODE_NOTE`). docs/reliability.md
 * lists the budgets.
 */
export const INPUT_BUDGET = {
  /** Levels of arrays and objects; serde_json's default limit is 128 too. */
  depth: MAX_JSON_DEPTH,
  /** Array items and object keys in one value, counted over all its levels. */
  elements: 10_000,
} as const;

/**
 * The attribute that marks a record decoded past the budget or by the error boundary: why its structure
 * was cut or left unread. Searchable like any attribute; the quarantine counters count the same events.
 */
export const DECODE_NOTE = "logwarden.decode_note";

/** Why `value` is past the budget, or null when it is inside. Recursion stops at the depth limit. */
export function budgetExcess(value: unknown): string | null {
  const state = { elements: 0 };
  return excess(value, 0, state);
}

function excess(value: unknown, depth: number, state: { elements: number }): string | null {
  if (typeof value !== "object" || value === null) return null;
  if (depth >= INPUT_BUDGET.depth) return `nested deeper than ${INPUT_BUDGET.depth} levels`;
  if (Array.isArray(value)) {
    state.elements += value.length;
    if (state.elements > INPUT_BUDGET.elements) return `more than ${INPUT_BUDGET.elements} elements`;
    for (const item of value) {
      const why = excess(item, depth + 1, state);
      if (why) return why;
    }
    return null;
  }
  for (const key in value) {
    if (++state.elements > INPUT_BUDGET.elements) return `more than ${INPUT_BUDGET.elements} elements`;
    const why = excess((value as Record<string, unknown>)[key], depth + 1, state);
    if (why) return why;
  }
  return null;
}

/** The placeholder that stands where `cutToBudget` removed a value. */
export const CUT_MARK = "[cut: past the input budget]";

/**
 * A copy of `value` within the budget: values nested past the depth limit, and elements past the budget's
 * count, are replaced by `CUT_MARK` (one mark where an array or object was cut short). Used for a value
 * `budgetExcess` refused, so its shallow fields (time, message, level, service) still reach the record:
 * an object's scalar fields are counted before anything nested beside them, so a huge array in its first
 * field cannot use up the budget its `message` needs.
 */
export function cutToBudget(value: JsonObject): JsonObject;
export function cutToBudget(value: JsonValue): JsonValue;
export function cutToBudget(value: JsonValue): JsonValue {
  return cut(value, 0, { elements: 0 });
}

/**
 * The elements `cut` keeps before it marks the rest. Each level of nesting that is cut short adds one mark
 * as it closes (an array's last item, an object's `…` key): leaving room for one a level keeps the copy
 * within the budget, so it passes `budgetExcess` like any other value.
 */
const CUT_ELEMENTS = INPUT_BUDGET.elements - INPUT_BUDGET.depth - 1;

function isScalar(value: JsonValue): boolean {
  return typeof value !== "object" || value === null;
}

function cut(value: JsonValue, depth: number, state: { elements: number }): JsonValue {
  if (isScalar(value)) return value;
  if (depth >= INPUT_BUDGET.depth) return CUT_MARK;
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      if (++state.elements > CUT_ELEMENTS) {
        out.push(CUT_MARK);
        break;
      }
      out.push(cut(item, depth + 1, state));
    }
    return out;
  }
  const object = value as JsonObject;
  const keys = Object.keys(object);
  // Scalars first, then what nests: each field's value decided, then written in the object's own order.
  const kept = new Map<string, JsonValue>();
  let over = false;
  for (const key of keys) {
    const v = object[key]!;
    if (!isScalar(v)) continue;
    if (++state.elements > CUT_ELEMENTS) {
      over = true;
      break;
    }
    kept.set(key, v);
  }
  for (const key of keys) {
    const v = object[key]!;
    if (isScalar(v)) continue;
    // A nested field past the budget keeps its key, with the mark for its value.
    kept.set(key, over || ++state.elements > CUT_ELEMENTS ? CUT_MARK : cut(v, depth + 1, state));
  }
  const out: JsonObject = {};
  for (const key of keys) if (kept.has(key)) setField(out, key, kept.get(key)!);
  if (over) setField(out, "…", CUT_MARK);
  return out;
}

/**
 * `value` held to the budget, as every door that maps a structured value does: the value itself when it
 * is inside, else its cut copy (`cutToBudget`), with why (`excess`, null when nothing was cut).
 */
export function withinBudget<T extends JsonValue>(value: T): { value: T; excess: string | null } {
  const excess = budgetExcess(value);
  return excess === null ? { value, excess } : { value: cutToBudget(value) as T, excess };
}

/** What a record notes (`DECODE_NOTE`) when its structured part was cut to the budget. */
export function cutNote(excess: string): string {
  return `${excess}; the structure past it was cut`;
}

/** The message of a thrown value, for a reason stored with a record (never a stack). */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
