import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import type { Anomaly } from "../../src/core/anomaly.js";
import { FakeClock } from "../../src/core/clock.js";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { isoUtc } from "../../src/core/time.js";
import { BruteForceDetector } from "../../src/detectors/auth/brute-force.js";
import { PrivilegeEscalationDetector } from "../../src/detectors/auth/privilege-escalation.js";
import { ErrorBurstDetector } from "../../src/detectors/error-burst.js";
import { NewTemplateDetector } from "../../src/detectors/new-template.js";
import { stepOf } from "../../src/detectors/stream-clock.js";
import { VolumeDetector } from "../../src/detectors/volume.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../src/service/analyze.js";
import { loghubFile } from "../helpers/loghub.js";
import { volumeOptions } from "../helpers/volume-options.js";
import { successAfterFailures } from "./auth/auth-detectors.js";
import { lineAt } from "./records.js";

// The README's example is from 2025; LogHub's Apache sample from 2005.
const LIVE = Date.parse("2025-04-03T12:20:00Z");
const BACKFILL = Date.parse("2005-12-04T04:47:44Z");
let nextId = 1;

function record(at: number, options: { stream?: string; level?: number; body?: string } = {}): ParsedRecord {
  const ts = isoUtc(at);
  const id = nextId++;
  const stream = options.stream ?? "auth";
  return {
    id,
    timestamp: ts,
    observedTimestamp: ts,
    severityText: (options.level ?? 9) >= 17 ? "ERROR" : "INFO",
    severityNumber: options.level ?? 9,
    body: options.body ?? `line ${id}`,
    attributes: {},
    resource: { "service.name": stream },
    stream,
    origin: stream,
    templateId: "t1",
    template: "line <*>",
    params: [],
    templateChange: "none",
  };
}

describe("stream clock", () => {
  it("tells continuous time from jumps back and forward", () => {
    const limits = { backMs: 60_000, forwardMs: 3_600_000 };
    expect(stepOf(undefined, LIVE, limits)).toBe("first");
    expect(stepOf(LIVE, LIVE - 30_000, limits)).toBe("continuous");
    expect(stepOf(LIVE, LIVE - 61_000, limits)).toBe("jumped_back");
    expect(stepOf(LIVE, LIVE + 3_600_001, limits)).toBe("jumped_forward");
  });
});

describe("error_burst on an old file after live logs", () => {
  it("does not pile the old file's errors onto the live window", () => {
    const d = new ErrorBurstDetector({ windowSecs: 60, threshold: 20 });
    d.observe([record(LIVE, { level: 17 }), record(LIVE + 20_000, { level: 17 })]);
    // 600 errors, one every two minutes: never a burst, in any period.
    const old = Array.from({ length: 600 }, (_, i) => record(BACKFILL + i * 120_000, { level: 17 }));
    expect(d.observe(old)).toEqual([]);
  });

  it("reports a real burst of the old period with its own span and evidence", () => {
    const d = new ErrorBurstDetector({ windowSecs: 60, threshold: 20 });
    d.observe([record(LIVE, { level: 17 })]);
    const burst = Array.from({ length: 25 }, (_, i) => record(BACKFILL + i * 1000, { level: 17 }));
    const [anomaly, ...rest] = d.observe(burst);
    expect(rest).toEqual([]);
    expect(anomaly?.features.error_count).toBe(25);
    expect(anomaly?.explanation.observed).toMatchObject({ span_secs: 24 });
    expect(anomaly?.evidence).toEqual(burst.slice(-20).map((r) => r.id));
  });
});

describe("brute_force when time jumps back", () => {
  const failure = (clock: FakeClock) =>
    lineAt(
      clock,
      "Mar  1 03:14:07 bastion sshd[7]: Failed password for root from 203.0.113.9 port 4000 ssh2",
    );

  it("never reports a negative span, nor mixes two periods' failures", () => {
    const clock = new FakeClock(LIVE);
    const d = new BruteForceDetector({ windowSecs: 300, threshold: 10, maxKeys: 100 });
    const live = Array.from({ length: 8 }, () => {
      const r = failure(clock);
      clock.advance(1000);
      return r;
    });
    expect(d.observe(live)).toEqual([]);
    clock.set(LIVE - 6_913_000);
    const old = Array.from({ length: 12 }, () => {
      const r = failure(clock);
      clock.advance(1000);
      return r;
    });
    const found = d.observe(old).filter((a) => a.key === "ip:203.0.113.9");
    expect(found.length).toBeGreaterThan(0);
    for (const a of found) {
      expect(a.explanation.observed.span_secs).toBeGreaterThanOrEqual(0);
      expect(a.description).not.toMatch(/in -\d/);
      // Only the old period's failures: the 10th of them crosses the threshold.
      expect(a.evidence.every((id) => old.some((r) => r.id === id))).toBe(true);
    }
    expect(found[0]?.features.failures).toBe(10);
  });
});

const VOLUME = volumeOptions({ maxTemplateKeys: 500 });

/** `perInterval` records in each of `intervals` intervals of 300 s from `start`. */
function steady(start: number, intervals: number, perInterval: number): ParsedRecord[] {
  const out: ParsedRecord[] = [];
  for (let i = 0; i < intervals; i++)
    for (let j = 0; j < perInterval; j++) out.push(record(start + i * 300_000 + j * (300_000 / perInterval)));
  return out;
}

describe("volume when time jumps", () => {
  it("does not count an old file's records in the live interval", () => {
    const clock = new FakeClock(LIVE);
    const d = new VolumeDetector(VOLUME, clock);
    const found: Anomaly[] = [];
    found.push(...d.observe(steady(LIVE, 20, 10)));
    // 2,000 records from 2005 at 5 per interval: an ordinary rate, in another period.
    found.push(...d.observe(steady(BACKFILL, 400, 5)));
    clock.advance(3_600_000);
    found.push(...d.tick(clock.now()));
    expect(found.filter((a) => Number(a.features.count) > 20)).toEqual([]);
    for (const a of found) expect(a.explanation.observed.interval_start).toMatch(/^2005-/);
  });

  it("cites the records of an interval that closes after a restart", () => {
    const clock = new FakeClock(LIVE);
    const d = new VolumeDetector(VOLUME, clock);
    d.observe(steady(LIVE, 20, 10));
    const spike = steady(LIVE + 20 * 300_000, 1, 60);
    // Saved while the interval is still open: its records are only in the saved state.
    expect(d.observe(spike)).toEqual([]);
    const restarted = new VolumeDetector(VOLUME, clock);
    restarted.importState(JSON.parse(JSON.stringify(d.exportState())));
    const [anomaly] = restarted.observe(steady(LIVE + 21 * 300_000, 2, 10));
    expect(anomaly?.type).toBe("volume_spike");
    expect(anomaly?.evidence).toEqual(spike.slice(0, 20).map((r) => r.id));
    expect(anomaly?.explanation.samples).toHaveLength(3);
  });

  it("closes each stream's intervals on its own time", () => {
    const clock = new FakeClock(LIVE);
    const d = new VolumeDetector(VOLUME, clock);
    // Two streams, one years behind the other: the new one's records must not close the old one's
    // intervals up to its time (which filled them with silence and judged a drop).
    const found = [
      ...d.observe(steady(BACKFILL, 30, 20).map((r) => ({ ...r, stream: "apache" }))),
      ...d.observe(steady(LIVE, 30, 20)),
      ...d.observe(steady(BACKFILL + 30 * 300_000, 5, 20).map((r) => ({ ...r, stream: "apache" }))),
    ];
    expect(found).toEqual([]);
  });
});

describe("the processing pipeline on an old file after the README's example", () => {
  it("raises no error burst from the two periods mixed, and no negative span", async () => {
    const readme = [
      '{"timestamp":"2025-04-03T14:22:10.1234567+02:00","service":"auth","level":"ERROR","message":"invalid password","metadata":{"ip":"10.0.0.12"}}',
      '{"timestamp":"2025-04-03T14:22:30+02:00","service":"auth","level":"ERROR","message":"invalid password","metadata":{"ip":"10.0.0.12"}}',
    ];
    const apache = readFileSync(loghubFile("Apache"), "utf8").split("\n").filter(Boolean);
    const alone = await analyzeLines(apache, createProcessor(configSchema.parse({})), {
      defaultService: "auth",
    });
    const after = await analyzeLines([...readme, ...apache], createProcessor(configSchema.parse({})), {
      defaultService: "auth",
    });
    const bursts = (r: typeof after) => r.anomalies.filter((a) => a.detector === "error_burst");
    // The file judged after the README's records says what it says alone (its own bursts, none more).
    expect(bursts(after).length).toBe(bursts(alone).length);
    for (const a of after.anomalies) {
      const span = a.explanation.observed.span_secs;
      if (typeof span === "number") expect(span).toBeGreaterThanOrEqual(0);
      expect(a.evidence.length).toBeGreaterThan(0);
    }
  });
});

describe("warm-ups count record time covered, not the distance a jump spans", () => {
  const sudo = (user: string) =>
    `Mar  1 10:12:01 web1 sudo:    ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/bin/ls`;

  it("privilege_escalation is not warmed up by a jump of twenty years", () => {
    const clock = new FakeClock(BACKFILL);
    const d = new PrivilegeEscalationDetector({ warmupSecs: 86_400, minFailedAttempts: 3, maxKeys: 100 });
    d.observe([lineAt(clock, sudo("alice"))]);
    clock.set(LIVE);
    expect(d.observe([lineAt(clock, sudo("mallory"))])).toEqual([]);
    expect(d.status().phase).toBe("learning");
  });

  it("new_template is not warmed up by a jump of twenty years", () => {
    const d = new NewTemplateDetector({ warmupRecords: 10, warmupSecs: 600 });
    d.observe(Array.from({ length: 20 }, (_, i) => record(BACKFILL + i * 1000)));
    const created = {
      ...record(LIVE),
      templateId: "t2",
      template: "new <*>",
      templateChange: "created" as const,
    };
    expect(d.observe([created])).toEqual([]);
  });
});

describe("success_after_failures when the success is older than the failures", () => {
  it("counts only failures before the success, so no span is negative", () => {
    const clock = new FakeClock(LIVE);
    const d = successAfterFailures();
    const failures = Array.from({ length: 6 }, () => {
      const r = lineAt(
        clock,
        "Mar  1 03:14:07 bastion sshd[7]: Failed password for alice from 203.0.113.9 port 4000 ssh2",
      );
      clock.advance(1000);
      return r;
    });
    d.observe(failures);
    clock.set(LIVE - 100_000);
    const success = lineAt(
      clock,
      "Mar  1 03:14:07 bastion sshd[8]: Accepted password for alice from 203.0.113.9 port 4001 ssh2",
    );
    expect(d.observe([success])).toEqual([]);
  });
});
