import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { Anomaly } from "../../src/core/anomaly.js";
import { FakeClock } from "../../src/core/clock.js";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { createDetectors, detectorNames } from "../../src/detectors/registry.js";
import { entityFacts } from "../../src/distribution/entity-facts.js";
import { byRecordTime } from "../../src/distribution/entity-owner.js";
import { corpus, DETECTION_ENV, OBSERVED_AT, parsedBatches } from "../helpers/detection-corpus.js";

/**
 * A cluster splits the detectors: a stream partition runs all but those that judge across streams (users
 * and addresses, WiFi devices, sessions), and passes on only their facts, as JSON: records that state an
 * authentication event, WiFi lines, records that carry a session key (src/distribution/entity-facts.ts). These check that the split covers every detector once and that the
 * owner, fed only those records through JSON, finds exactly what the same detectors find on everything.
 */
const config = loadConfig({ env: DETECTION_ENV });
const names = (scope: "all" | "streams" | "entities") =>
  createDetectors(config, { clock: new FakeClock(Date.parse(OBSERVED_AT)) }, scope).map((d) => d.name);

describe("the detectors a cluster runs per partition and at the entity owner", () => {
  it("are every enabled detector, each in exactly one place", () => {
    const entities = names("entities");
    const streams = names("streams");
    expect(entities).toEqual([
      "brute_force",
      "password_spraying",
      "success_after_failures",
      "new_source_ip",
      "unusual_login_hour",
      "privilege_escalation",
      "wifi",
      "sequence",
    ]);
    expect(streams.filter((n) => entities.includes(n))).toEqual([]);
    expect([...streams, ...entities].sort()).toEqual(names("all").sort());
    expect(detectorNames()).toEqual(expect.arrayContaining(names("all")));
  });

  it("find the same on the facts alone (authentication events, WiFi lines, keyed session lines), passed through JSON, as on every record", () => {
    const batches = parsedBatches(corpus({ authWeek: true }), 200);
    const isFact = entityFacts(config);
    const run = (fed: readonly ParsedRecord[][]): Anomaly[] => {
      const clock = new FakeClock(Date.parse(OBSERVED_AT));
      const detectors = createDetectors(config, { clock }, "entities");
      const out: Anomaly[] = [];
      for (const batch of fed) for (const d of detectors) out.push(...d.observe(batch));
      return out;
    };
    const everything = run(batches);
    const passedOn = batches.map((batch) =>
      batch.filter(isFact).map((r) => JSON.parse(JSON.stringify(r)) as ParsedRecord),
    );
    const facts = run(passedOn);
    const passed = passedOn.reduce((n, b) => n + b.length, 0);
    const total = batches.reduce((n, b) => n + b.length, 0);
    console.log(
      `${passed} of ${total} records passed on; ${everything.length} findings either way (${[
        ...new Set(everything.map((a) => a.detector)),
      ].join(", ")})`,
    );
    expect(passed).toBeLessThan(total);
    expect(new Set(everything.map((a) => a.detector)).size).toBeGreaterThanOrEqual(4);
    expect(facts).toEqual(everything);
  });

  it("are fed a round's facts stream by stream in each stream's order, the streams interleaved by record time", () => {
    const at = (stream: string, time: string, id: number) =>
      ({ stream, timestamp: time, id }) as ParsedRecord;
    // The outbox's order: sshd's batch committed after dovecot's, though they interleave in time; sshd's
    // second line is out of time order in its own stream, and stays after its first.
    const round = [
      at("dovecot", "2026-03-01T03:00:01Z", 1),
      at("dovecot", "2026-03-01T03:00:03.500Z", 2),
      at("sshd", "2026-03-01T03:00:02Z", 3),
      at("sshd", "2026-03-01T03:00:00.250Z", 4),
      at("sshd", "2026-03-01T03:00:04Z", 5),
    ];
    expect(byRecordTime(round).map((r) => r.id)).toEqual([1, 3, 4, 2, 5]);
    expect(byRecordTime(round.slice(2)).map((r) => r.id)).toEqual([3, 4, 5]);
  });
});
