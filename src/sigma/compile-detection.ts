/**
 * A rule's `detection` compiled into one closure over the event: each search identifier into a test (a map
 * is all of its entries, a list of maps any of them, a list of strings any keyword), the condition into
 * and/or/not of those tests. Nothing of the YAML is read per event.
 */
import { type ConditionNode, parseCondition } from "./condition.js";
import type { FieldAccess } from "./event-fields.js";
import { Unsupported } from "./unsupported.js";
import { type CompileContext, compileEntry, type EventTest, type FieldEntry } from "./value-modifiers.js";

export interface CompiledDetection {
  test: EventTest;
  /** Every entry with its field, to name what matched once the rule has matched (rare; not per event). */
  entries: readonly FieldEntry[];
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function compileIdentifier(
  name: string,
  value: unknown,
  ctx: CompileContext,
  entries: FieldEntry[],
): EventTest {
  const compileMap = (map: Record<string, unknown>): EventTest => {
    const keys = Object.keys(map);
    if (keys.length === 0) throw new Unsupported("value", `search identifier '${name}' is an empty map`);
    const tests = keys.map((key) => {
      const entry = compileEntry(key, map[key], ctx);
      entries.push(entry);
      return entry.test;
    });
    if (tests.length === 1) return tests[0]!;
    return (ev) => {
      for (const t of tests) if (!t(ev)) return false;
      return true;
    };
  };
  if (isMap(value)) return compileMap(value);
  if (Array.isArray(value)) {
    if (value.length === 0) throw new Unsupported("value", `search identifier '${name}' is an empty list`);
    if (value.every(isMap)) {
      const tests = value.map(compileMap);
      return tests.length === 1 ? tests[0]! : (ev) => tests.some((t) => t(ev));
    }
    if (value.some(isMap) || value.some(Array.isArray))
      throw new Unsupported("value", `search identifier '${name}' mixes maps and values`);
    const entry = compileEntry("", value, ctx);
    entries.push(entry);
    return entry.test;
  }
  if (typeof value === "string" || typeof value === "number") {
    const entry = compileEntry("", value, ctx);
    entries.push(entry);
    return entry.test;
  }
  throw new Unsupported("value", `search identifier '${name}' is neither a map, a list nor a keyword`);
}

function compileNode(node: ConditionNode, tests: ReadonlyMap<string, EventTest>): EventTest {
  switch (node.kind) {
    case "ref":
      return tests.get(node.name)!;
    case "not": {
      const inner = compileNode(node.arg, tests);
      return (ev) => !inner(ev);
    }
    case "and": {
      const args = node.args.map((a) => compileNode(a, tests));
      return (ev) => {
        for (const a of args) if (!a(ev)) return false;
        return true;
      };
    }
    case "or": {
      const args = node.args.map((a) => compileNode(a, tests));
      return (ev) => {
        for (const a of args) if (a(ev)) return true;
        return false;
      };
    }
    case "of": {
      const args = node.names.map((n) => tests.get(n)!);
      if (args.length === 1) return args[0]!;
      return node.quantifier === "all" ? (ev) => args.every((a) => a(ev)) : (ev) => args.some((a) => a(ev));
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
  const tests = new Map<string, EventTest>();
  for (const [name, value] of Object.entries(identifiers))
    tests.set(name, compileIdentifier(name, value, ctx, entries));
  const names = [...tests.keys()];
  // A list of conditions is or-linked (specification, "Condition").
  const roots = (conditions as string[]).map((c) => compileNode(parseCondition(c, names), tests));
  const test: EventTest = roots.length === 1 ? roots[0]! : (ev: FieldAccess) => roots.some((r) => r(ev));
  return { test, entries };
}
