import type { JsonObject } from "../../../src/core/json.js";
import { SigmaEngine } from "../../../src/sigma/engine.js";
import { loadRules } from "../../../src/sigma/load-rules.js";
import { SigmaSession } from "../../../src/sigma/session.js";
import { MAPPINGS, windowsEvent } from "../sigma-fixtures.js";

/** A Security-channel detection rule on one event id, with a name and an id. */
export function securityRule(name: string, id: string, eventId: number): string {
  return `title: ${name}
id: ${id}
name: ${name}
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: ${eventId}
  condition: selection
`;
}

export function sessionOf(...texts: string[]): SigmaSession {
  const loaded = loadRules(texts.map((text, i) => ({ source: `c${i}.yml`, text })));
  if (loaded.refused.length > 0) throw new Error(JSON.stringify(loaded.refused));
  return new SigmaSession(new SigmaEngine(loaded, MAPPINGS), { maxGroups: 1000 });
}

const T0 = Date.parse("2026-03-01T10:00:00Z");

/** Feeds a Security event at `T0 + secs`; returns the ids of the correlations it completed. */
export function feed(
  session: SigmaSession,
  ref: number,
  eventId: number,
  secs: number,
  data: JsonObject,
): string[] {
  const time = new Date(T0 + secs * 1000).toISOString();
  const out = session.process(windowsEvent("Security", eventId, data, time), ref, T0 + secs * 1000);
  return out.correlations.map((c) => c.rule.id);
}

export { T0 };
