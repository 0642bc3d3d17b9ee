import type { JsonObject } from "../../src/core/json.js";
import { defaultMappings } from "../../src/sigma/default-mappings.js";
import { SigmaEngine } from "../../src/sigma/engine.js";
import { type LoadOptions, loadRules } from "../../src/sigma/load-rules.js";
import type { SigmaRecord } from "../../src/sigma/record.js";

/** The shipped mappings, read once per test file (they keep no per-engine state). */
export const MAPPINGS = defaultMappings();

/** An engine over the given rule texts (YAML) and the shipped mappings. */
export function engineOf(yaml: string | string[], options: LoadOptions = {}): SigmaEngine {
  const texts = (Array.isArray(yaml) ? yaml : [yaml]).map((text, i) => ({ source: `rule${i}.yml`, text }));
  return new SigmaEngine(loadRules(texts, options), MAPPINGS);
}

/** A Sysmon event (Windows event log JSON) with the given event id and data. */
export function sysmonEvent(eventId: number, data: JsonObject, time = "2026-03-01T10:00:00Z"): SigmaRecord {
  return windowsEvent("Microsoft-Windows-Sysmon/Operational", eventId, data, time);
}

export function windowsEvent(
  channel: string,
  eventId: number,
  data: JsonObject,
  time = "2026-03-01T10:00:00Z",
): SigmaRecord {
  return {
    timestamp: "2026-03-01T00:00:00Z",
    body: "",
    attributes: {
      Event: {
        System: {
          EventID: eventId,
          Channel: channel,
          Computer: "ws1.corp.local",
          Provider: { "#attributes": { Name: "Microsoft-Windows-Sysmon" } },
          TimeCreated: { "#attributes": { SystemTime: time } },
        },
        EventData: data,
      },
    },
    resource: {},
  };
}

/** A syslog record as the decoders make it. */
export function syslogRecord(program: string, body: string, derived?: JsonObject): SigmaRecord {
  return {
    timestamp: "2026-03-01T10:00:00Z",
    body,
    attributes: { "syslog.facility": "auth" },
    resource: { "service.name": program, "host.name": "web1" },
    ...(derived ? { derived } : {}),
  };
}

/** Ids of the rules matching the record. */
export function matchedIds(engine: SigmaEngine, record: SigmaRecord): string[] {
  return engine.evaluate(record)?.matches.map((m) => m.rule.id) ?? [];
}

/** A process_creation rule with the given detection body (YAML, indented under `detection:`). */
export function processRule(id: string, detection: string): string {
  return `title: test ${id}
id: ${id}
logsource:
  product: windows
  category: process_creation
detection:
${detection}
level: high
`;
}
