import type { JsonObject } from "../../core/json.js";
import { hostOf, serviceOf } from "../../core/log-record.js";
import type { RecordToAppend, StoredRecord } from "../../core/log-store.js";
import type { SegmentRecord, SegmentRecordWithRef } from "../columnar/index.js";
import { fromJsonText, toJsonText } from "../json.js";

/**
 * A record to append as the segment codec stores it: the columns the `logs` table would hold
 * (src/store/repos/logs.ts), JSON as the same texts, and the template text at mining time when the
 * caller has it (without it the message is kept verbatim, which is exact but compresses less).
 */
export function toSegmentRecords(records: readonly RecordToAppend[]): SegmentRecord[] {
  // Records of one source carry equal resources (often a fresh object each, as decoders build them):
  // their JSON text is written once per run of equal ones.
  let lastResource: RecordToAppend["resource"] | undefined;
  let lastResourceText = "";
  return records.map((r) => {
    if (lastResource === undefined || !sameJsonText(r.resource, lastResource)) {
      lastResource = r.resource;
      lastResourceText = toJsonText(r.resource);
    }
    return {
      timestamp: r.timestamp,
      observedAt: r.observedTimestamp,
      service: serviceOf(r),
      host: hostOf(r),
      level: r.severityText,
      severityNumber: r.severityNumber,
      message: r.body,
      attributes: toJsonText(r.attributes),
      resource: lastResourceText,
      stream: r.stream,
      templateId: r.templateId,
      template: r.template ?? null,
    };
  });
}

/**
 * Whether `JSON.stringify` gives two objects the same text, judged without writing it: the same own keys
 * in the same order, each value the same (`===`: one primitive, or one object). False when unsure.
 */
export function sameJsonText(a: JsonObject, b: JsonObject): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key !== other[i] || a[key] !== b[key]) return false;
  }
  return true;
}

/** A decoded record as every `LogStore` reader sees it (the `logs` table's `toStoredRecord`). */
export function toStoredRecord(r: SegmentRecordWithRef): StoredRecord {
  return {
    ref: r.ref,
    timestamp: r.timestamp,
    service: r.service,
    host: r.host,
    level: r.level,
    severityNumber: r.severityNumber,
    message: r.message,
    attributes: fromJsonText<JsonObject>(r.attributes, {}),
    stream: r.stream,
    templateId: r.templateId,
  };
}
