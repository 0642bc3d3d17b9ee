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
      return (r) => walk(r.attributes, segments, 0);
    case "resource":
      return (r) => walk(r.resource, segments, 0);
    case "derived":
      return (r) => (r.derived ? walk(r.derived, segments, 0) : undefined);
    default:
      throw new Error(`path '${path}' must start with one of ${ROOTS.join(", ")}`);
  }
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
