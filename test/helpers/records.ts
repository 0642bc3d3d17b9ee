import type { RecordToAppend } from "../../src/core/log-store.js";

/** A plain INFO line of `service` at `timestamp`, as a log store appends it (no template unless given). */
export function lineToAppend(
  timestamp: string,
  body: string,
  service = "api",
  template: { templateId: string; template: string } | null = null,
): RecordToAppend {
  return {
    timestamp,
    observedTimestamp: timestamp,
    severityText: "INFO",
    severityNumber: 9,
    body,
    attributes: {},
    resource: { "service.name": service },
    stream: service,
    templateId: template?.templateId ?? null,
    template: template?.template ?? null,
    params: null,
  };
}
