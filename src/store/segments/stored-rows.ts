import type { JsonObject } from "../../core/json.js";
import type { StoredRecord } from "../../core/log-store.js";
import type { SegmentReader } from "../columnar/index.js";
import { fromJsonText } from "../json.js";

/**
 * Row `i` of a reader as every `LogStore` reader sees it: `toStoredRecord(reader.record(i))`
 * (record-codec.ts), with the same fields in the same order, without building what a stored record does
 * not show (the observed time's text, the resource, the template text): a page of 50 built 50 observed
 * time texts it dropped.
 */
export function storedRecordAt(reader: SegmentReader, i: number): StoredRecord {
  return {
    ref: reader.meta.firstRef + i,
    timestamp: reader.timestamp(i),
    service: reader.service(i),
    host: reader.host(i),
    level: reader.level(i),
    severityNumber: reader.severityNumber(i),
    message: reader.message(i),
    attributes: fromJsonText<JsonObject>(reader.attributesText(i), {}),
    stream: reader.stream(i),
    templateId: reader.templateId(i),
  };
}
