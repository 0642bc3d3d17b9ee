import type { JsonObject } from "../core/json.js";
import type { LogRecord } from "../core/log-record.js";

/**
 * Log records as a flat list of their field values, to hand records decoded on one thread to another
 * (`postMessage`, or `v8.serialize` to keep them off the heap until read). A list of strings and numbers
 * clones as little more than the strings' characters, where cloning one object per record costs about as
 * much as decoding it again. Strings cross as they are, without a UTF-8 round trip, which would turn lone
 * surrogates into U+FFFD. `attributes` and `resource` cross as their JSON text, which gives back the same
 * keys in the same order and the same values.
 *
 * Per record: a mask of the fields that changed since the previous record, the time, the body and the
 * attributes' text, then the changed fields (observed time; level and severity number; resource). A
 * request's records mostly share their observed time, level and resource, so a record is about four values.
 */
export type PackedLogValue = string | number | null;

const OBSERVED = 1;
const LEVEL = 2;
const RESOURCE = 4;

/** `records` appended to `out` as values (`LogRecordUnpacker` reads them back, in the same order). */
export function packLogRecords(records: readonly LogRecord[], out: PackedLogValue[] = []): PackedLogValue[] {
  let observed: string | undefined;
  let level: string | null | undefined;
  let severity = -1;
  let resource: JsonObject | undefined;
  for (const r of records) {
    const at = out.length;
    out.push(0, r.timestamp, r.body, JSON.stringify(r.attributes));
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
    if (r.resource !== resource) {
      mask |= RESOURCE;
      resource = r.resource;
      out.push(JSON.stringify(resource));
    }
    out[at] = mask;
  }
  return out;
}

/**
 * Reads records packed by `packLogRecords`, list after list. Records whose resource has the same text
 * share one resource object, as the records of one service in one request already did on the event loop
 * (`IngestRecords`); every record gets attributes of its own.
 */
export class LogRecordUnpacker {
  readonly #resources = new Map<string, JsonObject>();

  /** The records of one packed list (`packLogRecords` started afresh for it). */
  unpack(values: readonly PackedLogValue[]): LogRecord[] {
    const out: LogRecord[] = [];
    let observed = "";
    let level: string | null = null;
    let severity = 0;
    let resource: JsonObject = {};
    for (let k = 0; k < values.length; ) {
      const mask = values[k++] as number;
      const timestamp = values[k++] as string;
      const body = values[k++] as string;
      const attributes = values[k++] as string;
      if (mask & OBSERVED) observed = values[k++] as string;
      if (mask & LEVEL) {
        level = values[k++] as string | null;
        severity = values[k++] as number;
      }
      if (mask & RESOURCE) resource = this.#resource(values[k++] as string);
      out.push({
        timestamp,
        observedTimestamp: observed,
        severityText: level,
        severityNumber: severity,
        body,
        attributes: attributes === "{}" ? {} : (JSON.parse(attributes) as JsonObject),
        resource,
      });
    }
    return out;
  }

  #resource(text: string): JsonObject {
    let resource = this.#resources.get(text);
    if (!resource) {
      resource = JSON.parse(text) as JsonObject;
      this.#resources.set(text, resource);
    }
    return resource;
  }
}
