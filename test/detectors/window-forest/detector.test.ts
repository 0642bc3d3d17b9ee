import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.js";
import type { ParsedRecord } from "../../../src/core/log-record.js";
import { isoUtc } from "../../../src/core/time.js";
import {
  WindowForestDetector,
  type WindowForestOptions,
} from "../../../src/detectors/window-forest/detector.js";

const OPTIONS: WindowForestOptions = {
  windowSecs: 60,
  warmupWindows: 30,
  retrainWindows: 1_000,
  historyWindows: 500,
  maxTemplates: 10,
  threshold: 0.65,
};

let nextId = 1;

function rec(at: number, templateId: string, template: string, ms?: number): ParsedRecord {
  const ts = isoUtc(at);
  return {
    timestamp: ts,
    observedTimestamp: ts,
    severityText: null,
    severityNumber: 9,
    body: template.replace("<*>", String(ms ?? 0)),
    attributes: {},
    resource: { "service.name": "api" },
    id: nextId++,
    stream: "api",
    origin: "api",
    templateId,
    template,
    params: ms === undefined ? [] : [{ value: String(ms), type: "num" }],
    templateChange: "none",
  };
}

/** One minute of ordinary traffic: 20 requests of about 40 ms and 3 cache misses, spread over it. */
function minute(start: number, i: number, extra: ParsedRecord[] = []): ParsedRecord[] {
  const out: ParsedRecord[] = [];
  for (let k = 0; k < 20 + (i % 3); k++)
    out.push(rec(start + k * 2_000, "T-req", "request done in <*> ms", 38 + ((i + k) % 5)));
  for (let k = 0; k < 3; k++) out.push(rec(start + 45_000 + k * 1_000, "T-miss", "cache miss"));
  return [...out, ...extra].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

const T0 = Date.parse("2026-01-01T00:00:00Z");

function warmedUp(): { d: WindowForestDetector; next: number } {
  const d = new WindowForestDetector(OPTIONS, new FakeClock(T0));
  for (let i = 0; i < 31; i++) expect(d.observe(minute(T0 + i * 60_000, i))).toEqual([]);
  expect(d.status().phase).toBe("active");
  return { d, next: T0 + 31 * 60_000 };
}

describe("WindowForestDetector", () => {
  it("learns during warm-up and does not flag ordinary windows", () => {
    const d = new WindowForestDetector(OPTIONS, new FakeClock(T0));
    expect(d.status()).toMatchObject({ phase: "learning" });
    const { d: warm, next } = warmedUp();
    const flagged = [];
    for (let i = 0; i < 20; i++) flagged.push(...warm.observe(minute(next + i * 60_000, i + 31)));
    expect(flagged).toEqual([]);
    expect(warm.status().detail).toMatch(/1 service\(s\) with a forest/);
  });

  it("flags an injected spike window and names the template that spiked", () => {
    const { d, next } = warmedUp();
    const spike = Array.from({ length: 120 }, (_, k) => rec(next + 10_000 + k * 100, "T-miss", "cache miss"));
    expect(d.observe(minute(next, 31, spike))).toEqual([]);
    const [a, ...rest] = d.observe(minute(next + 60_000, 32));
    expect(rest).toEqual([]);
    expect(a).toMatchObject({
      detector: "window_forest",
      type: "window_outlier",
      service: "api",
      key: "api",
    });
    expect(a!.score).toBeGreaterThanOrEqual(OPTIONS.threshold);
    expect(a!.explanation.contributions?.[0]?.name).toMatch(/template "cache miss" count|records/);
    expect(a!.description).toMatch(/template "cache miss" count 123 vs usual 3/);
    expect(a!.evidence.length).toBeGreaterThan(0);
  });

  it("flags slow requests through the mean of a numeric parameter", () => {
    const { d, next } = warmedUp();
    const slow = minute(next, 31).map((r) =>
      r.templateId === "T-req" ? rec(Date.parse(r.timestamp), "T-req", "request done in <*> ms", 900) : r,
    );
    d.observe(slow);
    const [a] = d.observe(minute(next + 60_000, 32));
    expect(a?.description).toMatch(/mean of parameter 1 of "request done in <\*> ms" 900 vs usual 40/);
  });

  it("goes on after export and import as if never stopped: open window, refit schedule, training windows", () => {
    // A short history and a refit every 4 windows: at the save, windows the forest was fitted on have
    // left the history, and 3 windows closed since the fit.
    const options = { ...OPTIONS, warmupWindows: 8, retrainWindows: 4, historyWindows: 10 };
    const d = new WindowForestDetector(options, new FakeClock(T0));
    for (let i = 0; i < 17; i++) d.observe(minute(T0 + i * 60_000, i));
    // Half of the 18th window is in, and so is a spike, still open at the save.
    const half = minute(T0 + 17 * 60_000, 17).slice(0, 10);
    const spike = Array.from({ length: 60 }, (_, k) =>
      rec(T0 + 17 * 60_000 + 30_000 + k * 100, "T-miss", "cache miss"),
    );
    d.observe([...half, ...spike]);
    const copy = new WindowForestDetector(options, new FakeClock(T0));
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    for (let i = 18; i < 26; i++) {
      const batch = minute(T0 + i * 60_000, i);
      expect(copy.observe(batch), `window ${i}`).toEqual(d.observe(batch));
    }
    expect(copy.exportState()).toEqual(d.exportState());
  });

  it("keeps flagged windows out of training and restores from its state", () => {
    const { d, next } = warmedUp();
    const copy = new WindowForestDetector(OPTIONS, new FakeClock(T0));
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    expect(copy.status().phase).toBe("active");
    // 30 closed windows (the 31st is open); a flagged window is not added to the history.
    expect(d.retrain(next)).toMatchObject({ kind: "window_forest", key: "services", trainingSize: 30 });
    const spike = Array.from({ length: 120 }, (_, k) => rec(next + 10_000 + k * 100, "T-miss", "cache miss"));
    d.observe(minute(next, 31, spike));
    expect(d.observe(minute(next + 60_000, 32))).toHaveLength(1);
    expect(d.retrain(next).trainingSize).toBe(31);
    // End of input drops the partial last window instead of judging it.
    expect(d.flush()).toEqual([]);
  });
});
