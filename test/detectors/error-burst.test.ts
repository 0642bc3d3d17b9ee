import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/core/json.js";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { isoUtc } from "../../src/core/time.js";
import { ErrorBurstDetector, MAX_WINDOW_ERRORS } from "../../src/detectors/error-burst.js";

const T0 = Date.parse("2026-03-02T00:00:00Z");
let nextId = 1;

function error(at: number, stream = "api"): ParsedRecord {
  const ts = isoUtc(at);
  const id = nextId++;
  return {
    id,
    timestamp: ts,
    observedTimestamp: ts,
    severityText: "ERROR",
    severityNumber: 17,
    body: `request ${id} failed`,
    attributes: {},
    resource: { "service.name": stream },
    stream,
    origin: stream,
    templateId: "t1",
    template: "request <*> failed",
    params: [],
    templateChange: "none",
  };
}

/** `count` errors one second apart from `start`. */
const errors = (start: number, count: number) =>
  Array.from({ length: count }, (_, i) => error(start + i * 1000));

describe("error_burst", () => {
  it("reports a burst once the window holds `threshold` errors, citing the latest records in it", () => {
    const d = new ErrorBurstDetector({ windowSecs: 60, threshold: 25 });
    expect(d.observe(errors(T0, 24))).toEqual([]);
    const batch = errors(T0 + 24_000, 6);
    const [anomaly] = d.observe(batch);
    expect(anomaly?.features.error_count).toBe(30);
    expect(anomaly?.evidence).toHaveLength(20);
    expect(anomaly?.evidence.at(-1)).toBe(batch.at(-1)!.id);
    expect(anomaly?.explanation.samples).toEqual(batch.slice(-5).map((r) => r.body));
  });

  it("reports a burst as it was at its strongest error, whatever the window held by the batch's end", () => {
    const d = new ErrorBurstDetector({ windowSecs: 10, threshold: 3 });
    const peak = errors(T0, 5);
    // 12 s: the errors before 2 s have left the window (3 remain, weaker than 5); the burst goes on.
    const later = error(T0 + 12_000);
    const [anomaly, ...rest] = d.observe([...peak, later]);
    expect(rest).toEqual([]);
    expect(anomaly?.features.error_count).toBe(5);
    expect(anomaly?.timestamp).toBe(peak.at(-1)!.timestamp);
    expect(anomaly?.evidence).toEqual(peak.map((r) => r.id));
    expect(anomaly?.explanation.observed).toEqual({ error_count: 5, span_secs: 4 });
    // 40 s: past the burst's end, which emits nothing new; a fresh burst starts from this error.
    expect(d.observe([error(T0 + 40_000)])).toEqual([]);
  });

  it("never cites a record that has left the window", () => {
    const d = new ErrorBurstDetector({ windowSecs: 10, threshold: 3 });
    const old = errors(T0, 15);
    d.observe(old);
    // 100 s later: only the three new errors are in the window.
    const fresh = errors(T0 + 100_000, 3);
    const [anomaly] = d.observe(fresh);
    expect(anomaly?.features.error_count).toBe(3);
    expect(anomaly?.evidence).toEqual(fresh.map((r) => r.id));
  });

  it("keeps a bounded state however many errors the window holds", () => {
    const d = new ErrorBurstDetector({ windowSecs: 3600, threshold: 1_000_000 });
    d.observe(Array.from({ length: 50_000 }, (_, i) => error(T0 + i * 10)));
    const state = d.exportState() as JsonObject;
    const api = (state.services as JsonObject).api as JsonObject;
    expect(api.times).toHaveLength(50_000);
    expect(api.recent).toHaveLength(20);
    // Times only, not every message: well under 30 bytes an error.
    expect(JSON.stringify(state).length).toBeLessThan(50_000 * 30);
  });

  it("carries on after a restart from its saved state, and reads the state of older versions", () => {
    const saved = new ErrorBurstDetector({ windowSecs: 60, threshold: 10 });
    saved.observe(errors(T0, 8));
    const restored = new ErrorBurstDetector({ windowSecs: 60, threshold: 10 });
    restored.importState(JSON.parse(JSON.stringify(saved.exportState())));
    const [anomaly] = restored.observe(errors(T0 + 8_000, 2));
    expect(anomaly?.features.error_count).toBe(10);
    expect(anomaly?.evidence).toHaveLength(10);

    // Version 1 kept every time, id and body of the window.
    const v1 = {
      version: 1,
      errorsSeen: 8,
      services: {
        api: {
          times: Array.from({ length: 8 }, (_, i) => T0 + i * 1000),
          ids: Array.from({ length: 8 }, (_, i) => 1000 + i),
          samples: Array.from({ length: 8 }, (_, i) => `old ${i}`),
          burst: null,
        },
      },
    };
    const upgraded = new ErrorBurstDetector({ windowSecs: 60, threshold: 10 });
    upgraded.importState(v1);
    const fresh = errors(T0 + 8_000, 2);
    const [fromV1] = upgraded.observe(fresh);
    expect(fromV1?.features.error_count).toBe(10);
    expect(fromV1?.evidence).toEqual([...v1.services.api.ids, ...fresh.map((r) => r.id)]);
    expect(fromV1?.explanation.samples).toEqual(["old 5", "old 6", "old 7", ...fresh.map((r) => r.body)]);
  });
});

describe("error_burst window cap", () => {
  it("holds at most MAX_WINDOW_ERRORS errors when times go backwards and nothing leaves the window", () => {
    const d = new ErrorBurstDetector({ windowSecs: 60, threshold: 10 });
    const n = MAX_WINDOW_ERRORS + 500;
    // Records out of order within one window (several writers): none pushes another out by time. (Times
    // more than a window back start the window again: see "time jumps" below.)
    const found = d.observe(Array.from({ length: n }, (_, i) => error(T0 - (i % 50_000))));
    expect(found.at(-1)?.features.error_count).toBe(MAX_WINDOW_ERRORS);
    const api = ((d.exportState() as JsonObject).services as JsonObject).api as JsonObject;
    expect(api.times).toHaveLength(MAX_WINDOW_ERRORS);
  });
});
