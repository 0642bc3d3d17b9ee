/**
 * A rule's `detection` compiled into one closure over the event: each search identifier into a test (a map
 * is all of its entries, a list of maps any of them, a list of strings any keyword), the condition into
 * and/or/not of those tests. Nothing of the YAML is read per event. Alongside, the literals the rule needs
 * (necessary-literals.ts), for the prefilter.
 */
import { type ConditionNode, parseCondition } from "./condition.js";
import { allOf, anyOf, type Need } from "./necessary-literals.js";
import { Unsupported } from "./unsupported.js";
import { type CompileContext, compileEntry, type EventTest, type FieldEntry } from "./value-modifiers.js";

export interface CompiledDetection {
  test: EventTest;
  /** Literals one of which an event must contain for the rule to match (null: none known). */
  need: Need;
  /** Every entry with its field, to name what matched once the rule has matched (rare; not per event). */
  entries: readonly FieldEntry[];
}

interface Compiled {
  test: EventTest;
  need: Need;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function anyTest(tests: readonly EventTest[]): EventTest {
  if (tests.length === 1) return tests[0]!;
  return (ev) => {
    for (const t of tests) if (t(ev)) return true;
    return false;
  };
}

function allTest(tests: readonly EventTest[]): EventTest {
  if (tests.length === 1) return tests[0]!;
  return (ev) => {
    for (const t of tests) if (!t(ev)) return false;
    return true;
  };
}

function compileIdentifier(
  name: string,
  value: unknown,
  ctx: CompileContext,
  entries: FieldEntry[],
): Compiled {
  const entry = (key: string, v: unknown): Compiled => {
    const e = compileEntry(key, v, ctx);
    entries.push(e);
    return e;
  };
  const compileMap = (map: Record<string, unknown>): Compiled => {
    const keys = Object.keys(map);
    if (keys.length === 0) throw new Unsupported("value", `search identifier '${name}' is an empty map`);
    const compiled = keys.map((key) => entry(key, map[key]));
    return { test: allTest(compiled.map((c) => c.test)), need: allOf(compiled.map((c) => c.need)) };
  };
  if (isMap(value)) return compileMap(value);
  if (Array.isArray(value)) {
    if (value.length === 0) throw new Unsupported("value", `search identifier '${name}' is an empty list`);
    if (value.every(isMap)) {
      const compiled = value.map(compileMap);
      return { test: anyTest(compiled.map((c) => c.test)), need: anyOf(compiled.map((c) => c.need)) };
    }
    if (value.some(isMap) || value.some(Array.isArray))
      throw new Unsupported("value", `search identifier '${name}' mixes maps and values`);
    return entry("", value);
  }
  if (typeof value === "string" || typeof value === "number") return entry("", value);
  throw new Unsupported("value", `search identifier '${name}' is neither a map, a list nor a keyword`);
}

function compileNode(node: ConditionNode, ids: ReadonlyMap<string, Compiled>): Compiled {
  switch (node.kind) {
    case "ref":
      return ids.get(node.name)!;
    case "not": {
      const inner = compileNode(node.arg, ids).test;
      return { test: (ev) => !inner(ev), need: null };
    }
    case "and":
    case "or": {
      const args = node.args.map((a) => compileNode(a, ids));
      const tests = args.map((a) => a.test);
      const needs = args.map((a) => a.need);
      return node.kind === "and"
        ? { test: allTest(tests), need: allOf(needs) }
        : { test: anyTest(tests), need: anyOf(needs) };
    }
    case "of": {
      const args = node.names.map((n) => ids.get(n)!);
      const tests = args.map((a) => a.test);
      const needs = args.map((a) => a.need);
      return node.quantifier === "all"
        ? { test: allTest(tests), need: allOf(needs) }
        : { test: anyTest(tests), need: anyOf(needs) };
    }
  }
}

export function compileDetection(detection: Record<string, unknown>, ctx: CompileContext): CompiledDetection {
  const { condition, timeframe, ...identifiers } = detection;
  if (timeframe !== undefined)
    throw new Unsupported("condition", "'timeframe' (pre-2.0 aggregation); use a correlation rule");
  const conditions = Array.isArray(condition) ? condition : [condition];
  if (conditions.length === 0 || !conditions.every((c) => typeof c === "string"))
    throw new Unsupported("condition", "detection.condition must be a string or a list of strings");
  const entries: FieldEntry[] = [];
  const ids = new Map<string, Compiled>();
  for (const [name, value] of Object.entries(identifiers))
    ids.set(name, compileIdentifier(name, value, ctx, entries));
  const names = [...ids.keys()];
  // A list of conditions is or-linked (specification, "Condition").
  const roots = (conditions as string[]).map((c) => compileNode(parseCondition(c, names), ids));
  return {
    test: anyTest(roots.map((r) => r.test)),
    need: anyOf(roots.map((r) => r.need)),
    entries,
  };
}
