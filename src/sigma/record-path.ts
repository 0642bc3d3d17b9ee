/**
 * Paths into a record, as field mappings name them: `attributes.Event.EventData.Image`,
 * `resource.host.name`, `derived.user`, `body`, `timestamp`, `severity`. Compiled once into a reader.
 * Attribute keys may themselves hold dots (`syslog.facility`, `process.pid`: decoders flatten OpenTelemetry
 * names), so a segment that is not a key is tried joined with the following ones.
 */
import type { SigmaRecord } from "./record.js";

export type RecordReader = (record: SigmaRecord) => unknown;

const ROOTS = ["attributes", "resource", "derived", "body", "timestamp", "severity"] as const;

export function compileRecordPath(path: string): RecordReader {
  const dot = path.indexOf(".");
  const root = dot < 0 ? path : path.slice(0, dot);
  const segments = dot < 0 ? [] : path.slice(dot + 1).split(".");
  switch (root as (typeof ROOTS)[number]) {
    case "body":
      return (r) => r.body;
    case "timestamp":
      return (r) => r.timestamp;
    case "severity":
      return (r) => r.severityText ?? undefined;
    case "attributes":
      return segments.length < 2 ? (r) => walk(r.attributes, segments, 0) : viaParent("attributes", segments);
    case "resource":
      return segments.length < 2 ? (r) => walk(r.resource, segments, 0) : viaParent("resource", segments);
    case "derived":
      return (r) => (r.derived ? walk(r.derived, segments, 0) : undefined);
    default:
      throw new Error(`path '${path}' must start with one of ${ROOTS.join(", ")}`);
  }
}

/** A parent path's value could not be read by plain keys: the full walk (dotted keys) decides. */
const DOTTED = Symbol("dotted");

/**
 * A path read through its parent's value, which is found once per record for every path under it: a
 * Windows event's fields all sit under `attributes.Event.EventData`, and a rule set names hundreds of them.
 * The parent is remembered for the last root object seen (records are not changed once decoded).
 */
function viaParent(root: "attributes" | "resource", segments: readonly string[]): RecordReader {
  const parent = parentReader(root, segments.slice(0, -1));
  const last = segments.at(-1)!;
  return (r) => {
    const from = r[root];
    const obj = parent(from);
    if (obj === DOTTED) return walk(from, segments, 0);
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return undefined;
    return (obj as Record<string, unknown>)[last];
  };
}

type ParentReader = (root: unknown) => unknown;
const parentReaders = new Map<string, ParentReader>();

function parentReader(root: string, segments: readonly string[]): ParentReader {
  const key = `${root}\u0000${segments.join("\u0000")}`;
  let reader = parentReaders.get(key);
  if (!reader) {
    let lastRoot: unknown = DOTTED;
    let lastValue: unknown;
    reader = (from) => {
      if (from === lastRoot) return lastValue;
      lastRoot = from;
      lastValue = plainKeys(from, segments);
      return lastValue;
    };
    parentReaders.set(key, reader);
  }
  return reader;
}

/** The value at `segments` by plain keys; undefined where `walk` gives up; DOTTED where it would go on. */
function plainKeys(value: unknown, segments: readonly string[]): unknown {
  let v = value;
  for (const segment of segments) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    const next = (v as Record<string, unknown>)[segment];
    if (next === undefined) return DOTTED;
    v = next;
  }
  return v;
}

function walk(value: unknown, segments: readonly string[], i: number): unknown {
  if (i === segments.length) return value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const obj = value as Record<string, unknown>;
  const direct = obj[segments[i]!];
  if (direct !== undefined) return walk(direct, segments, i + 1);
  // Only when the plain key is absent: a dotted key (`process.pid`) spanning the next segments.
  for (let j = segments.length; j > i + 1; j--) {
    const key = segments.slice(i, j).join(".");
    if (Object.hasOwn(obj, key)) return walk(obj[key], segments, j);
  }
  return undefined;
}
