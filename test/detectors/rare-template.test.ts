import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { isoUtc } from "../../src/core/time.js";
import { RareTemplateDetector } from "../../src/detectors/rare-template.js";

let nextId = 1;
function rec(clock: FakeClock, templateId: string, created = false, level = 9): ParsedRecord {
  clock.advance(1000);
  const ts = isoUtc(clock.now());
  return {
    id: nextId++,
    timestamp: ts,
    observedTimestamp: ts,
    severityText: level >= 17 ? "ERROR" : "INFO",
    severityNumber: level,
    body: `${templateId} happened`,
    attributes: {},
    resource: { "service.name": "api" },
    stream: "api",
    origin: "api",
    templateId,
    template: `${templateId} <*>`,
    params: [],
    templateChange: created ? "created" : "none",
  };
}

const make = () =>
  new RareTemplateDetector({
    warmupRecords: 1000,
    percentile: 0.5,
    retrainRecords: 1000,
    cooldownSecs: 3600,
    maxKeys: 100,
  });

/** 1000 records of 4 common templates plus `failover` and `fallback` seen twice each. */
function warm(clock: FakeClock, d: RareTemplateDetector) {
  const batch: ParsedRecord[] = [rec(clock, "failover", true), rec(clock, "failover")];
  batch.push(rec(clock, "fallback", true), rec(clock, "fallback"));
  for (let i = 0; i < 996; i++) batch.push(rec(clock, `common${i % 4}`, i < 4));
  return d.observe(batch);
}

describe("rare_template", () => {
  it("learns until warm-up, then flags a rare (not new) template once per cooldown", () => {
    const clock = new FakeClock();
    const d = make();
    expect(d.status().phase).toBe("learning");
    expect(warm(clock, d)).toEqual([]);
    expect(d.status().phase).toBe("active");
    const out = d.observe([rec(clock, "failover", false, 17)]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      detector: "rare_template",
      key: "api:failover",
      severity: "medium",
      templateId: "failover",
    });
    expect(out[0]!.features).toMatchObject({ count: 3 });
    expect(out[0]!.explanation.expected).toMatchObject({ note: expect.stringContaining("0.5%") });
    expect(d.observe([rec(clock, "failover")])).toEqual([]);
    expect(d.observe([rec(clock, "fallback")])).toHaveLength(1);
  });

  it("does not flag common templates, new templates (new_template's job), or anything during warm-up", () => {
    const clock = new FakeClock();
    const d = make();
    expect(d.observe([rec(clock, "x", true), rec(clock, "x")])).toEqual([]);
    warm(clock, d);
    expect(d.observe(Array.from({ length: 200 }, (_, i) => rec(clock, `common${i % 4}`)))).toEqual([]);
    expect(d.observe([rec(clock, "brand-new", true)])).toEqual([]);
  });

  it("takes a rare template seen day after day as routine, and keeps that across a restart", () => {
    const clock = new FakeClock("2026-03-01T00:00:00Z");
    const d = make();
    warm(clock, d);
    // A nightly job's line: rare by share (one a day among thousands), but there every day.
    const nightly: number[] = [];
    for (let day = 0; day < 5; day++) {
      clock.set(Date.parse("2026-03-01T02:00:00Z") + day * 86_400_000);
      nightly.push(d.observe([rec(clock, "nightly", day === 0)]).length);
      d.observe(Array.from({ length: 300 }, (_, i) => rec(clock, `common${i % 4}`)));
    }
    // Reported while it could still be a surprise (days 2 and 3), not once it is routine.
    expect(nightly).toEqual([0, 1, 1, 0, 0]);
    const copy = make();
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    clock.advance(86_400_000);
    expect(copy.observe([rec(clock, "nightly")])).toEqual([]);
    // A template seen on a single earlier day is still rare.
    expect(copy.observe([rec(clock, "failover")])).toHaveLength(1);
  });

  it("restores its counts and cutoff, and retrains into a model", () => {
    const clock = new FakeClock();
    const d = make();
    warm(clock, d);
    const copy = make();
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    expect(copy.observe([rec(clock, "failover")])).toHaveLength(1);
    const model = copy.retrain(clock.now());
    expect(model).toMatchObject({
      kind: "rare_template",
      key: "cutoffs",
      metrics: { streams: 1, trained: 1 },
    });
  });
});
