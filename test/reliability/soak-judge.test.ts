import { describe, expect, it } from "vitest";
import { judgeLevelling, type Point, rollingFloor, theilSenSlope } from "../../bench/soak/judge.js";
import { ReadTimings } from "../../bench/soak/reads.js";
import { judge, type Sample, type SoakReport } from "../../bench/soak/run.js";

const MIB = 2 ** 20;
const tolerance = { absolute: 32 * MIB, fraction: 0.1 };

/** 60 minutes sampled every 30 s. */
function series(value: (t: number) => number, minutes = 60, every = 30): Point[] {
  return Array.from({ length: (minutes * 60) / every + 1 }, (_, i) => ({
    t: i * every,
    v: value(i * every),
  }));
}

// The soak's judge must be able to fail: these series are synthetic on purpose (the judge is a pure
// function); the soak itself only ever judges what a real server reported.
describe("soak judge: does growth level off?", () => {
  it("fails a steady leak (RSS rising 2 MiB a minute for an hour)", () => {
    const v = judgeLevelling(
      series((t) => 300 * MIB + (t / 60) * 2 * MIB),
      tolerance,
    );
    expect(v.lateSlopePerMin / MIB).toBeCloseTo(2, 5);
    expect(v.lateGrowth / MIB).toBeCloseTo(60, 5);
    expect(v.leveled).toBe(false);
  });

  it("passes warm-up growth that flattens (fast rise, then a plateau)", () => {
    const v = judgeLevelling(
      series((t) => 300 * MIB + 120 * MIB * (1 - Math.exp(-t / 300))),
      tolerance,
    );
    expect(v.earlySlopePerMin).toBeGreaterThan(v.lateSlopePerMin * 10);
    expect(v.leveled).toBe(true);
  });

  it("fails growth that slows but has not stopped by the second half", () => {
    // Logarithmic: 40 MiB per e-fold of time, so the second half still adds about 28 MiB on 420+ MiB…
    const slow = series((t) => 300 * MIB + 40 * MIB * Math.log1p(t / 60));
    expect(judgeLevelling(slow, { absolute: 16 * MIB, fraction: 0.05 }).leveled).toBe(false);
    // …which the stated default tolerance (32 MiB or 10 %) lets through: the tolerance is the line.
    expect(judgeLevelling(slow, tolerance).leveled).toBe(true);
  });

  it("is not fooled by garbage-collection spikes on a flat series, but sees them on a rising one", () => {
    const spiky = (base: (t: number) => number) =>
      series((t) => base(t) + ((t / 30) % 4 === 3 ? 150 * MIB : 0));
    expect(
      judgeLevelling(
        spiky(() => 200 * MIB),
        tolerance,
      ).leveled,
    ).toBe(true);
    expect(
      judgeLevelling(
        spiky((t) => 200 * MIB + (t / 60) * MIB * 1.5),
        tolerance,
      ).leveled,
    ).toBe(false);
  });

  it("refuses to judge fewer than six samples", () => {
    expect(() =>
      judgeLevelling(
        series(() => 1, 1, 30),
        tolerance,
      ),
    ).toThrow(/at least 6/);
  });

  it("takes the median pairwise slope", () => {
    expect(theilSenSlope([0, 1, 2, 3, 100].map((v, t) => ({ t, v })))).toBe(1);
  });

  it("rollingFloor follows the troughs of a sawtooth: flat when the troughs are, rising when they rise", () => {
    const saw = (rise: number) => series((t) => 100 * MIB + rise * t + ((t / 10) % 6) * 25 * MIB, 3, 10);
    const flat = rollingFloor(saw(0), 90);
    expect(flat.slice(6).every((p) => p.v === 100 * MIB)).toBe(true);
    expect(judgeLevelling(flat, tolerance).leveled).toBe(true);
    expect(judgeLevelling(rollingFloor(saw(0.5 * MIB), 90), tolerance).leveled).toBe(false);
  });
});

function sample(t: number, over: Partial<Sample> = {}): Sample {
  return {
    t,
    rssBytes: 400 * MIB,
    residentLiveBytes: 330 * MIB,
    heapUsedBytes: 150 * MIB,
    heapTotalBytes: 150 * MIB,
    heapFloorBytes: 80 * MIB,
    externalBytes: 5 * MIB,
    eventLoopP99Secs: 0.05,
    databaseBytes: 1000 * t,
    recordsStored: 2 * t,
    bytesPerLine: 500,
    linesPerSec: 1000,
    cpuPercent: 50,
    loadAverage: 1,
    queueRecords: 0,
    templates: 700,
    queryP99Ms: 20,
    errors: 0,
    ...over,
  };
}

function report(samples: Sample[], over: Partial<SoakReport> = {}): SoakReport {
  return {
    startedAt: "2026-11-23T10:00:00.000Z",
    minutes: 3,
    sampleSecs: 10,
    capacityLinesPerSec: 2000,
    targetLinesPerSec: 1000,
    samples,
    verdicts: [],
    lateLinesPerSec: 0,
    reads: [],
    errors: {
      ingestBatches: 100,
      ingestFailed: {},
      alertPosts: 10,
      alertsAccepted: 30,
      alertsDuplicate: 2,
      alertFailed: {},
      queries: 100,
      queryFailed: {},
      skippedLines: 0,
      capacityRefused: 0,
      serverErrorLines: 0,
      lastServerErrors: [],
    },
    exitCode: 0,
    failures: [],
    ...over,
  };
}

describe("soak report verdict", () => {
  const times = Array.from({ length: 19 }, (_, i) => i * 10);

  it("passes a run whose figures hold", () => {
    expect(judge(report(times.map((t) => sample(t)))).failures).toEqual([]);
  });

  it("fails a heap floor that keeps rising, a server that falls behind, failed requests and a bad exit", () => {
    const r = judge(
      report(
        times.map((t) => sample(t, { heapFloorBytes: 80 * MIB + t * 0.5 * MIB, linesPerSec: 700 })),
        {
          exitCode: 1,
          errors: { ...report([]).errors, ingestFailed: { "503": 2 } },
        },
      ),
    );
    expect(r.failures.join("\n")).toMatch(/heapFloorBytes still growing/);
    expect(r.failures.join("\n")).toMatch(/stored 700 lines\/s over the second half/);
    expect(r.failures.join("\n")).toMatch(/failed ingest requests: \{"503":2\}/);
    expect(r.failures.join("\n")).toMatch(/serve exited with 1/);
  });
});

describe("soak resident memory", () => {
  const times = Array.from({ length: 19 }, (_, i) => i * 10);
  /** What the server's gauges give at time t: native memory outside the heap, the V8 heap committed, the live heap. */
  const measured = (t: number, nativeMiB: number, heapMiB: number, liveMiB: number) => {
    const rssBytes = (nativeMiB + heapMiB) * MIB;
    const heapTotalBytes = heapMiB * MIB;
    const heapFloorBytes = liveMiB * MIB;
    return sample(t, {
      rssBytes,
      heapTotalBytes,
      heapUsedBytes: heapTotalBytes,
      heapFloorBytes,
      residentLiveBytes: rssBytes - heapTotalBytes + heapFloorBytes,
    });
  };

  it("passes RSS that rises with garbage awaiting a full collection while native memory and the live heap hold", () => {
    // The CI run that failed: heap used 75 -> 198 MiB over the second half, live heap flat at 63.
    const samples = times.map((t) => measured(t, 350, t < 90 ? 80 : 80 + (t - 90) * 1.4, 63));
    expect(samples.at(-1)!.rssBytes - samples[9]!.rssBytes).toBeGreaterThan(100 * MIB);
    expect(judge(report(samples)).failures).toEqual([]);
  });

  it("fails native memory that keeps growing (60 MiB/min: over 90 s, CI catches only a fast leak), whatever the heap does", () => {
    const samples = times.map((t) => measured(t, 350 + t, 80, 63));
    expect(judge(report(samples)).failures.join("\n")).toMatch(/residentLiveBytes still growing/);
  });
});

describe("soak read timings", () => {
  it("groups reads by route (search words folded) and compares the first third's median with the last's", () => {
    const timings = new ReadTimings();
    // A search that slows as the store grows, beside a list that does not.
    for (let t = 0; t < 180; t += 10) {
      timings.record(`/api/v1/logs?q=word${t}&limit=100`, t, 10 + t);
      timings.record("/api/v1/alerts?limit=50", t, 5);
    }
    const byRoute = new Map(timings.summary(180).map((r) => [r.route, r]));
    expect([...byRoute.keys()]).toEqual(["/api/v1/logs?q=…&limit=100", "/api/v1/alerts?limit=50"]);
    const search = byRoute.get("/api/v1/logs?q=…&limit=100")!;
    expect(search.count).toBe(18);
    expect(search.firstThirdMedianMs).toBe(35); // t = 0…50: 10…60 ms
    expect(search.lastThirdMedianMs).toBe(155); // t = 120…170: 130…180 ms
    expect(search.maxMs).toBe(180);
    expect(byRoute.get("/api/v1/alerts?limit=50")!.lastThirdMedianMs).toBe(5);
  });
});
