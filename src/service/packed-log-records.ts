import { type JsonObject, sameJsonText } from "../core/json.js";
import type { LogRecord } from "../core/log-record.js";

/**
 * Log records as a flat list of their field values, to hand records decoded on one thread to another
 * (`v8.serialize`, which keeps them as bytes outside the heap until read; `postMessage` clones the same
 * way). A list of strings, numbers and the records' small attribute objects clones for little more than
 * their contents, where cloning one record object per record cost about as much as decoding it again
 * (docs/architecture.md, "Records must not cross threads as objects"). Structured cloning keeps what JSON
 * text would not: lone surrogates, `-0`, an own `__proto__` key.
 *
 * Attributes cross as objects rather than JSON text: 1-3-key objects cloned cost 150-360 ns an object to
 * write and 440-710 to read, against 360-990 and 400-900 for `JSON.stringify` plus its text, and
 * `JSON.parse` (`node:v8` micro-benchmark, 5,000 objects a list).
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
export function packLogRecords(records: readonly LogRecord[]): PackedLogValue[] {
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
export function unpackLogRecords(values: readonly PackedLogValue[]): LogRecord[] {
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
