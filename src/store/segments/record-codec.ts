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
  // Records of one source usually share one resource object: encode it once per run of equal objects.
  let lastResource: RecordToAppend["resource"] | undefined;
  let lastResourceText = "";
  return records.map((r) => {
    if (r.resource !== lastResource) {
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
