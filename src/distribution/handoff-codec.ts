import { isJsonObject } from "../core/json.js";
import type { LogRecord } from "../core/log-record.js";

/** A hand-off message's body: the records as JSON, in the order they came. */
export function encodeHandoff(records: readonly LogRecord[]): Buffer {
  return Buffer.from(JSON.stringify(records));
}

/** The records of a hand-off message, or null when it is not one (it is then dead-lettered, never retried). */
export function decodeHandoff(content: Buffer): LogRecord[] | null {
  let body: unknown;
  try {
    body = JSON.parse(content.toString("utf8"));
  } catch {
    return null;
  }
  if (!Array.isArray(body)) return null;
  for (const r of body as unknown[]) {
    if (
      !isJsonObject(r) ||
      typeof r.timestamp !== "string" ||
      typeof r.observedTimestamp !== "string" ||
      typeof r.body !== "string" ||
      typeof r.severityNumber !== "number" ||
      (r.severityText !== null && typeof r.severityText !== "string") ||
      !isJsonObject(r.attributes) ||
      !isJsonObject(r.resource)
    )
      return null;
  }
  return body as LogRecord[];
}
