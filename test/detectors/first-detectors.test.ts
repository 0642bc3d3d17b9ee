import { describe, expect, it } from "vitest";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { ErrorBurstDetector } from "../../src/detectors/error-burst.js";
import { NewTemplateDetector } from "../../src/detectors/new-template.js";

let nextId = 1;
function rec(
  at: string,
  template: string,
  options: { change?: "created" | "none"; level?: number; stream?: string } = {},
): ParsedRecord {
  return {
    id: nextId++,
    timestamp: at,
    observedTimestamp: at,
    severityText: (options.level ?? 9) >= 17 ? "ERROR" : "INFO",
    severityNumber: options.level ?? 9,
    body: template.replace("<*>", "42"),
    attributes: {},
    resource: { "service.name": options.stream ?? "api" },
    stream: options.stream ?? "api",
    origin: options.stream ?? "api",
    templateId: `t-${template}`,
    template,
    params: [{ value: "42", type: "num" }],
    templateChange: options.change ?? "none",
  };
}

const t = (secs: number) => new Date(Date.parse("2026-01-01T00:00:00Z") + secs * 1000).toISOString();

describe("new_template", () => {
  it("stays quiet and says it is learning during warm-up, then flags a new template", () => {
    const d = new NewTemplateDetector({ warmupRecords: 10, warmupSecs: 60 });
    expect(d.status().phase).toBe("learning");
    const warm = [
      rec(t(0), "a <*>", { change: "created" }),
      ...Array.from({ length: 10 }, (_, i) => rec(t(i * 10), "a <*>")),
    ];
    warm.push(rec(t(5), "b <*>", { change: "created" }));
    expect(d.observe(warm)).toEqual([]);
    expect(d.status().phase).toBe("active");
    expect(d.observe([rec(t(200), "a <*>")])).toEqual([]);
    const [anomaly] = d.observe([rec(t(300), "disk <*> failing", { change: "created", level: 17 })]);
    expect(anomaly).toMatchObject({
      detector: "new_template",
      service: "api",
      severity: "high",
      key: "api:t-disk <*> failing",
    });
    expect(anomaly!.score).toBeGreaterThan(0);
    expect(anomaly!.score).toBeLessThanOrEqual(1);
    expect(anomaly!.explanation.observed).toMatchObject({ template: "disk <*> failing" });
    expect(anomaly!.evidence).toHaveLength(1);
  });

  it("needs both enough records and enough time", () => {
    const d = new NewTemplateDetector({ warmupRecords: 5, warmupSecs: 3600 });
    d.observe(Array.from({ length: 300 }, (_, i) => rec(t(i / 100), "a <*>")));
    expect(d.observe([rec(t(30), "new <*>", { change: "created" })])).toEqual([]);
    expect(d.observe([rec(t(4000), "newer <*>", { change: "created" })])).toHaveLength(1);
  });

  it("restores its warm-up state", () => {
    const d = new NewTemplateDetector({ warmupRecords: 5, warmupSecs: 0 });
    d.observe(Array.from({ length: 10 }, (_, i) => rec(t(i), "a <*>")));
    const copy = new NewTemplateDetector({ warmupRecords: 5, warmupSecs: 0 });
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    expect(copy.observe([rec(t(20), "z <*>", { change: "created" })])).toHaveLength(1);
  });

  it("does not report a known message with new values (the miner's variant), which still counts as known", () => {
    const d = new NewTemplateDetector({ warmupRecords: 5, warmupSecs: 0 });
    d.observe(Array.from({ length: 10 }, (_, i) => rec(t(i), "login for alice")));
    const variant = {
      ...rec(t(20), "login for zoe.ito92", { change: "created" }),
      templateVariantOf: "t-login for alice",
    };
    expect(d.observe([variant])).toEqual([]);
    expect(d.observe([rec(t(21), "disk <*> failing", { change: "created" })])).toHaveLength(1);
  });
  it("does not report one more new shape below ERROR while the stream is still being discovered", () => {
    const d = new NewTemplateDetector({ warmupRecords: 100, warmupSecs: 0 });
    // A sample of a long log: a template it has not shown yet every 20 records or so.
    const sampled = Array.from({ length: 400 }, (_, i) =>
      rec(t(i), i % 20 === 0 ? `shape ${i} <*>` : "a <*>", { change: i % 20 === 0 ? "created" : "none" }),
    );
    expect(d.observe(sampled)).toEqual([]);
    expect(d.observe([rec(t(500), "torus error corrected <*>", { change: "created" })])).toEqual([]);
    const [error] = d.observe([rec(t(501), "disk <*> failing", { change: "created", level: 17 })]);
    expect(error!.features.novelty_rate).toBeGreaterThan(0.01);
    // Once the stream settles (nothing new for a long while), a new INFO shape is a finding again.
    d.observe(Array.from({ length: 2500 }, (_, i) => rec(t(600 + i), "a <*>")));
    const [info] = d.observe([rec(t(4000), "cache flushed <*>", { change: "created" })]);
    expect(info!.features.novelty_rate).toBeLessThan(0.01);
  });
});

describe("error_burst", () => {
  it("does not fire below the threshold or for spread-out errors", () => {
    const d = new ErrorBurstDetector({ windowSecs: 60, threshold: 5 });
    expect(d.observe(Array.from({ length: 4 }, (_, i) => rec(t(i), "e", { level: 17 })))).toEqual([]);
    expect(d.observe(Array.from({ length: 10 }, (_, i) => rec(t(100 + i * 30), "e", { level: 17 })))).toEqual(
      [],
    );
    expect(d.observe(Array.from({ length: 50 }, (_, i) => rec(t(1000 + i), "info")))).toEqual([]);
  });

  it("fires once per window per service with a score that grows with the burst", () => {
    const d = new ErrorBurstDetector({ windowSecs: 60, threshold: 5 });
    const out = d.observe(Array.from({ length: 20 }, (_, i) => rec(t(i), "e", { level: 17 })));
    expect(out).toHaveLength(1);
    // The whole 20-error burst is in one batch, so it is reported once, at its peak (4× the threshold).
    expect(out[0]).toMatchObject({
      detector: "error_burst",
      key: "api",
      severity: "high",
      features: { error_count: 20 },
    });
    expect(out[0]!.explanation.expected).toMatchObject({ max_errors_per_window: 4, window_secs: 60 });
    const other = d.observe(
      Array.from({ length: 40 }, (_, i) => rec(t(i), "e", { level: 17, stream: "db" })),
    );
    expect(other).toHaveLength(1);
    expect(other[0]!.service).toBe("db");
    const again = d.observe(Array.from({ length: 40 }, (_, i) => rec(t(200 + i), "e", { level: 17 })));
    expect(again).toHaveLength(1);
    expect(again[0]!.score).toBeGreaterThan(out[0]!.score);
  });

  it("round-trips its state", () => {
    const d = new ErrorBurstDetector({ windowSecs: 60, threshold: 3 });
    d.observe([rec(t(0), "e", { level: 17 }), rec(t(1), "e", { level: 17 })]);
    const copy = new ErrorBurstDetector({ windowSecs: 60, threshold: 3 });
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    expect(copy.observe([rec(t(2), "e", { level: 17 })])).toHaveLength(1);
  });
});

describe("error_burst across small batches", () => {
  it("reports a growing burst again only when it doubles", () => {
    const d = new ErrorBurstDetector({ windowSecs: 60, threshold: 5 });
    const reported = Array.from({ length: 30 }, (_, i) => d.observe([rec(t(i), "e", { level: 17 })])).flat();
    expect(reported.map((a) => a.features.error_count)).toEqual([5, 10, 20]);
  });
});

describe("bounded state", () => {
  it("keeps at most maxKeys streams and services, forgetting the least recently seen", () => {
    const nt = new NewTemplateDetector({ warmupRecords: 1, warmupSecs: 0, maxKeys: 2 });
    for (const stream of ["a", "b", "c"]) nt.observe([rec(t(0), "x <*>", { stream })]);
    expect(Object.keys((nt.exportState() as { streams: object }).streams)).toEqual(["b", "c"]);
    const eb = new ErrorBurstDetector({ windowSecs: 60, threshold: 100, maxKeys: 2 });
    for (const stream of ["a", "b", "c"]) eb.observe([rec(t(0), "e", { level: 17, stream })]);
    expect(Object.keys((eb.exportState() as { services: object }).services)).toEqual(["b", "c"]);
  });
});
