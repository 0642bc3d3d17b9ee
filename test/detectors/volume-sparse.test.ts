import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import type { Anomaly } from "../../src/core/anomaly.js";
import { FakeClock } from "../../src/core/clock.js";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { isoUtc } from "../../src/core/time.js";
import { VolumeDetector } from "../../src/detectors/volume.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../src/service/analyze.js";
import { loghubFile } from "../helpers/loghub.js";
import { volumeOptions } from "../helpers/volume-options.js";

const T0 = Date.parse("2026-06-14T00:00:00Z");
const OPTIONS = volumeOptions({ maxTemplateKeys: 500 });
let nextId = 1;

function record(at: number): ParsedRecord {
  const ts = isoUtc(at);
  return {
    id: nextId++,
    timestamp: ts,
    observedTimestamp: ts,
    severityText: "INFO",
    severityNumber: 9,
    body: "FTP session opened",
    attributes: {},
    resource: { "service.name": "ftpd" },
    stream: "ftpd",
    origin: "ftpd",
    templateId: "t1",
    template: "FTP session opened",
    params: [],
    templateChange: "none",
  };
}

/** A burst of `size` records within one minute starting at `at`. */
const burst = (at: number, size: number) => Array.from({ length: size }, (_, i) => record(at + i * 2000));

describe("volume on a stream that is silent most of the time", () => {
  it("does not call each of its usual bursts a spike, but does flag a burst far bigger than usual", () => {
    const d = new VolumeDetector(OPTIONS, new FakeClock(T0));
    const found: Anomaly[] = [];
    // An FTP scanner's 23 connections every two to three hours, for four days.
    for (let i = 0; i < 40; i++) found.push(...d.observe(burst(T0 + i * 9_000_000 + (i % 3) * 600_000, 23)));
    expect(found).toEqual([]);
    const big = d.observe([...burst(T0 + 40 * 9_000_000, 120), record(T0 + 40 * 9_000_000 + 900_000)]);
    expect(big.map((a) => a.type)).toEqual(["volume_spike"]);
    expect(big[0]?.explanation.expected).toMatchObject({ baseline: "bursts" });
  });

  it("judges a burst against the biggest of the key's recent bursts when their sizes have a long tail", () => {
    const d = new VolumeDetector(OPTIONS, new FakeClock(T0));
    const found: Anomaly[] = [];
    // Bursts of 11 to 14 at any hour, and now and then one of 30 (a batch job's output, a sampled log).
    const size = (i: number) => (i % 7 === 3 ? 30 : 11 + (i % 4));
    for (let i = 0; i < 40; i++)
      found.push(...d.observe(burst(T0 + i * 9_000_000 + (i % 5) * 600_000, size(i))));
    expect(found).toEqual([]);
    // 40 is far past the median burst's noise (12 + 4 × 3.5 = 26), but within the tail the key has shown.
    const at = T0 + 40 * 9_000_000;
    expect(d.observe([...burst(at, 40), record(at + 900_000)])).toEqual([]);
    // Three times its biggest burst is a spike, and the finding says what it was measured against.
    const later = at + 9_000_000;
    const big = d.observe([...burst(later, 90), record(later + 900_000)]);
    expect(big.map((a) => a.type)).toEqual(["volume_spike"]);
    expect(JSON.stringify(big[0]!.explanation.expected)).toContain("its biggest recent burst is 40");
  });

  it("finds a couple of spikes in LogHub's Linux log, not one per burst (was 152)", async () => {
    const lines = readFileSync(loghubFile("Linux"), "utf8").split("\n").filter(Boolean);
    const result = await analyzeLines(lines, createProcessor(configSchema.parse({})));
    const spikes = result.anomalies.filter((a) => a.detector === "volume");
    expect(spikes.length).toBeLessThan(10);
    // The 80 PAM failures in five minutes on 10 July are far above sshd's usual bursts.
    expect(spikes.some((a) => a.key === "svc:sshd" && a.features.count === 80)).toBe(true);
  });
});
