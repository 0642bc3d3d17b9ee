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
  /**
   * The stream as detectors keep state for it (`originOf`): the service as seen from one source of
   * lines, a file or a machine, so two files or two hosts never share a baseline; `stream` when the
   * record names no source.
   */
  origin: string;
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

/** Attribute naming the file a line was read from: the file source's path. */
export const FILE_PATH_ATTRIBUTE = "log.file.path";
/** Attribute naming an uploaded or analysed file (its name as the client gave it). */
export const FILE_NAME_ATTRIBUTE = "log.file.name";
/** Attribute a collector that names each line's machine sets (syslog's transport, the table source's name). */
const COLLECTED_BY = ["network.transport", "logwarden.source"] as const;

/**
 * What a log file's name ends with that says how it is stored, not what wrote it: a format (`.log`, `.txt`,
 * `.json`, `.ndjson`, `.jsonl`), a compression (`.gz`) or a rotation number (`.1`).
 */
const STORAGE_SUFFIX = /\.(?:log|txt|json|ndjson|jsonl|gz|\d+)$/i;

/** A file name or path without the suffixes that say how it is stored: a rotated file is its live one. */
export function withoutStorageSuffix(name: string): string {
  const slash = Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\"));
  let base = name.slice(slash + 1);
  for (;;) {
    const m = STORAGE_SUFFIX.exec(base);
    if (!m || m.index === 0) break;
    base = base.slice(0, m.index);
  }
  return name.slice(0, slash + 1) + base;
}

/**
 * Where a record's lines come from, as a stream's detectors tell sources apart: the file it was read
 * from (without rotation and format suffixes), else the machine a collector named for it (syslog, the
 * PostgreSQL table source: one sender relays many machines' lines). Null for lines an API client sent
 * (HTTP, OTLP): the client names the stream with its service, and a host it names is an attribute of
 * the event, not another stream (a fleet of replicas is one service).
 */
export function sourceOf(record: Pick<LogRecord, "attributes" | "resource">): string | null {
  const a = record.attributes;
  const file = a[FILE_PATH_ATTRIBUTE] ?? a[FILE_NAME_ATTRIBUTE];
  if (typeof file === "string" && file !== "") return withoutStorageSuffix(file);
  for (const name of COLLECTED_BY) if (a[name] !== undefined) return hostOf(record);
  return null;
}

/** The detectors' stream of a service seen from `source` (`ParsedRecord.origin`). */
export function originOf(stream: string, source: string | null): string {
  return source === null ? stream : `${stream} (${source})`;
}
