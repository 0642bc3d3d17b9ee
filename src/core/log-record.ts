import type { JsonObject } from "./json.js";
import type { RecordRef } from "./record-ref.js";
import type { TemplateChange, TemplateParam } from "./template.js";

/**
 * One log record, aligned with the OpenTelemetry log data model.
 * Every source and decoder produces this shape; every later stage reads it.
 */
export interface LogRecord {
  /** When the event happened, ISO-8601 UTC with `Z`. Falls back to `observedTimestamp`. */
  timestamp: string;
  /** When Logwarden received it, ISO-8601 UTC with `Z`. */
  observedTimestamp: string;
  /** The level word as the producer wrote it (`ERROR`, `warning`, …), or null. */
  severityText: string | null;
  /** OpenTelemetry severity number (0 unspecified, 1–24). */
  severityNumber: number;
  /** The message body. */
  body: string;
  /** Event attributes (fields of a JSON line, logfmt pairs, syslog structured data, metadata…). */
  attributes: JsonObject;
  /** Resource attributes: `service.name`, `host.name`, … */
  resource: JsonObject;
}

/** A record after template mining: what detectors see. */
export interface ParsedRecord extends LogRecord {
  /** The store's reference (`RecordRef`), or the 1-based input line number when nothing is stored (`analyze`). */
  id: RecordRef;
  /** The stream the template belongs to (usually `service.name`). */
  stream: string;
  templateId: string;
  template: string;
  params: readonly TemplateParam[];
  /** What mining this record did to its template: `created` means the template is new. */
  templateChange: TemplateChange;
  /** A created template's known template it differs from only in values (`TemplateMatch.variantOf`). */
  templateVariantOf?: string;
}

export function serviceOf(record: Pick<LogRecord, "resource">): string {
  const name = record.resource["service.name"];
  return typeof name === "string" && name !== "" ? name : "unknown";
}

export function hostOf(record: Pick<LogRecord, "resource">): string | null {
  const name = record.resource["host.name"];
  return typeof name === "string" && name !== "" ? name : null;
}
