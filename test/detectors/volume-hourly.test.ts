import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { isoUtc } from "../../src/core/time.js";
import { VolumeDetector } from "../../src/detectors/volume.js";
import { volumeOptions } from "../helpers/volume-options.js";

const INTERVAL = 300_000;
const T0 = Date.parse("2026-03-02T00:00:00Z");
let nextId = 1;

function rec(at: number): ParsedRecord {
  const ts = isoUtc(at);
  return {
    id: nextId++,
    timestamp: ts,
    observedTimestamp: ts,
    severityText: "INFO",
    severityNumber: 9,
    body: `pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`,
    attributes: {},
    resource: { "service.name": "CRON" },
    stream: "CRON",
    origin: "CRON",
    templateId: "t1",
    template: "pam_unix(cron:session): session opened for user <*> by (uid=<*>)",
    params: [],
    templateChange: "none",
  };
}

function interval(i: number, count: number): ParsedRecord[] {
  const start = T0 + i * INTERVAL;
  return Array.from({ length: count }, (_, k) =>
    rec(start + Math.floor((k * INTERVAL) / Math.max(count, 1))),
  );
}

const make = () => new VolumeDetector(volumeOptions(), new FakeClock(T0));

/** An hourly cron wave: 40 sessions in the interval at :15, 4 in every other (as every server's :17 job). */
const cronCount = (i: number) => (i % 12 === 3 ? 40 : 4);

describe("volume: a job that runs at the same minute every hour", () => {
  it("is expected once it has recurred for two hours, and a wave three times its size still fires", () => {
    const d = make();
    const spikes: number[] = [];
    // A day and two hours: before a key has seen a whole day only a flood is a spike.
    const hours = 26;
    for (let i = 0; i < 12 * hours; i++) {
      const out = d.observe(interval(i, cronCount(i)));
      for (const a of out) if (a.type === "volume_spike" || /spike/i.test(a.description)) spikes.push(i);
    }
    // Closing interval i is reported with the next batch: the waves after hour 3 raise nothing.
    expect(spikes.filter((i) => i > 12 * 3)).toEqual([]);
    const before = spikes.length;
    const out = [...d.observe(interval(12 * hours + 3, 120)), ...d.observe(interval(12 * hours + 4, 4))];
    expect(out.some((a) => /spike/i.test(a.description))).toBe(true);
    expect(before).toBeLessThanOrEqual(3);
  });

  it("reports a burst at a minute where the job never runs when it beats what the hour has seen", () => {
    const d = make();
    for (let i = 0; i < 12 * 26; i++) d.observe(interval(i, cronCount(i)));
    // The job's own size at another minute is what this key does at this hour (its peak, 40)...
    const same = [...d.observe(interval(12 * 26 + 7, 40)), ...d.observe(interval(12 * 26 + 8, 4))];
    expect(same.some((a) => /spike/i.test(a.description))).toBe(false);
    // ...twice it, where the job never runs, is a spike (the hour-phase rule does not excuse it).
    const out = [...d.observe(interval(12 * 26 + 9, 80)), ...d.observe(interval(12 * 26 + 10, 4))];
    expect(out.some((a) => /spike/i.test(a.description))).toBe(true);
  });
});
