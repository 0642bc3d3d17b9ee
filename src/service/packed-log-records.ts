import { deserialize, serialize } from "node:v8";
import { type JsonObject, type JsonValue, sameJsonText } from "../core/json.js";
import type { LogRecord } from "../core/log-record.js";

/**
 * Log records as bytes, to hand records decoded on one thread to another: the bytes are moved, not
 * copied, and wait outside the heap until read. A chunk is the JSON text of its `packLogRecords` list, in
 * UTF-8; a chunk holding a number JSON text would change (`-0`, or an infinity that `JSON.parse` made of
 * a huge literal) is `v8.serialize`d instead, which keeps it. JSON text keeps everything else records
 * hold: `JSON.stringify` escapes lone surrogates, and `JSON.parse` makes an own `__proto__` key of one.
 *
 * Why not `v8.serialize` for all: a serializer keeps every object it wrote reachable until the collector
 * finalizes it, so what a decode thread packed since its last young-generation collection survived the
 * next one and was copied (a fifth of the thread's allocation survived, against 2 % with JSON text, in
 * `--trace-gc-nvp`); a deserializer does the same on the reading thread. Per line of the bench:ingest
 * corpus (scratch micro-benchmark, 500-record chunks), writing cost 0.93 µs as JSON bytes against
 * 0.79-1.01 serialized, and reading 0.50-0.72 against 1.42-1.54.
 */
export function encodeLogRecords(records: readonly LogRecord[]): Uint8Array {
  const values = packLogRecords(records);
  return survivesJson(values) ? Buffer.from(JSON.stringify(values), "utf8") : serialize(values);
}

/** The records of one `encodeLogRecords` chunk. */
export function decodeLogRecords(bytes: Uint8Array): LogRecord[] {
  // `v8.serialize` output starts with its version tag, 0xFF, a byte UTF-8 never holds; JSON text with `[`.
  const values =
    bytes[0] === 0xff
      ? deserialize(bytes)
      : JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  return unpackLogRecords(values as PackedLogValue[]);
}

/** Whether `JSON.parse(JSON.stringify(value))` gives `value` back: no `-0`, no infinity, at any depth. */
function survivesJson(value: JsonValue): boolean {
  if (typeof value === "number") return value === 0 ? 1 / value > 0 : Number.isFinite(value);
  if (typeof value !== "object" || value === null) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!survivesJson(value[i]!)) return false;
    return true;
  }
  for (const key in value) if (!survivesJson(value[key]!)) return false;
  return true;
}

/**
 * Log records as a flat list of their field values: a list of strings, numbers and the records' small
 * attribute objects encodes for little more than their contents, where cloning one record object per
 * record cost about as much as decoding it again (docs/architecture.md, "Records must not cross threads
 * as objects").
 *
 * Per record: a mask of the fields that changed since the previous record, the time, the body and the
 * attributes, then the changed fields (observed time; level and severity number; resource). A request's
 * records mostly share their observed time, level and resource, so a record is about four values.
 */
export type PackedLogValue = string | number | null | JsonObject;

const OBSERVED = 1;
const LEVEL = 2;
const RESOURCE = 4;

/** `records` as a list of values (`unpackLogRecords` reads them back, in the same order). */
function packLogRecords(records: readonly LogRecord[]): PackedLogValue[] {
  const out: PackedLogValue[] = [];
  let observed: string | undefined;
  let level: string | null | undefined;
  let severity = -1;
  let resource: JsonObject | undefined;
  for (const r of records) {
    const at = out.length;
    out.push(0, r.timestamp, r.body, r.attributes);
    let mask = 0;
    if (r.observedTimestamp !== observed) {
      mask |= OBSERVED;
      observed = r.observedTimestamp;
      out.push(observed);
    }
    if (r.severityText !== level || r.severityNumber !== severity) {
      mask |= LEVEL;
      level = r.severityText;
      severity = r.severityNumber;
      out.push(level, severity);
    }
    // Equal resources are sent once a run: records naming a host each have an object of their own.
    if (resource === undefined || !sameJsonText(r.resource, resource)) {
      mask |= RESOURCE;
      resource = r.resource;
      out.push(resource);
    }
    out[at] = mask;
  }
  return out;
}

/**
 * The records of one list `packLogRecords` wrote (started afresh for it). A run of records with equal
 * resources shares one resource object, as the records of one service in one request already did on the
 * event loop (`IngestRecords`); every record has attributes of its own.
 */
function unpackLogRecords(values: readonly PackedLogValue[]): LogRecord[] {
  const out: LogRecord[] = [];
  let observed = "";
  let level: string | null = null;
  let severity = 0;
  let resource: JsonObject = {};
  for (let k = 0; k < values.length; ) {
    const mask = values[k++] as number;
    const timestamp = values[k++] as string;
    const body = values[k++] as string;
    const attributes = values[k++] as JsonObject;
    if (mask & OBSERVED) observed = values[k++] as string;
    if (mask & LEVEL) {
      level = values[k++] as string | null;
      severity = values[k++] as number;
    }
    if (mask & RESOURCE) resource = values[k++] as JsonObject;
    out.push({
      timestamp,
      observedTimestamp: observed,
      severityText: level,
      severityNumber: severity,
      body,
      attributes,
      resource,
    });
  }
  return out;
}
