import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LogRecord } from "../../src/core/log-record.js";
import { ERROR_SEVERITY_NUMBER } from "../../src/core/severity.js";
import { type GroupFeatures, GroupTally, groupFeatures } from "../../src/service/scoring.js";

/** `groupFeatures` as it was before `GroupTally`: the reference the tally must equal. */
function referenceFeatures(records: readonly LogRecord[], detectorScore = 0): GroupFeatures {
  let errors = 0;
  let warns = 0;
  let fatals = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const messages = new Set<string>();
  for (const r of records) {
    if (r.severityNumber >= 21) fatals++;
    else if (r.severityNumber >= ERROR_SEVERITY_NUMBER) errors++;
    else if (r.severityNumber >= 13) warns++;
    const t = Date.parse(r.timestamp);
    if (t < min) min = t;
    if (t > max) max = t;
    messages.add(r.body);
  }
  const count = records.length;
  return {
    count,
    error_count: errors,
    warn_count: warns,
    fatal_count: fatals,
    error_ratio: count ? (errors + fatals) / count : 0,
    span_secs: count > 1 ? Math.round((max - min) / 1000) : 0,
    distinct_messages: messages.size,
    detector_score: detectorScore,
  };
}

/** `incidentSummary` as it was before `GroupTally`. */
function referenceSummary(service: string, records: readonly LogRecord[], features: GroupFeatures): string {
  const bad = records.filter((r) => r.severityNumber >= 13);
  const level = bad.length > 0 ? (bad[0]!.severityText ?? "ERROR").toUpperCase() : "";
  const counted = bad.length > 0 ? `${bad.length} ${level} logs` : `${features.count} logs`;
  const messages = [...new Set((bad.length > 0 ? bad : records).map((r) => r.body))].slice(0, 3).join("; ");
  return `${counted} from ${service} in ${features.span_secs} s: ${messages}`;
}

// Few distinct bodies and times, so repeats, ties and the three-message cut all occur; some times do not parse.
const record: fc.Arbitrary<LogRecord> = fc.record({
  timestamp: fc.oneof(
    fc.integer({ min: 0, max: 4_000_000 }).map((ms) => new Date(1_700_000_000_000 + ms).toISOString()),
    // Canonical-shaped texts out of range, some of which Date.parse still reads (Feb 30, hour 24).
    fc.constantFrom(
      "not a time",
      "",
      "2025-13-40T00:00:00Z",
      "2025-13-40T00:00:00.000Z",
      "2023-11-14T22:13:20.000Z",
      "2025-02-30T00:00:00.000Z",
      "2025-01-01T24:00:00.000Z",
      "2023-11-14T22:13:20+01:00",
    ),
  ),
  observedTimestamp: fc.constant("2025-01-01T00:00:00.000Z"),
  severityText: fc.option(fc.constantFrom("info", "Warn", "ERROR", "fatal", "x"), { nil: undefined }),
  severityNumber: fc.integer({ min: 0, max: 24 }),
  body: fc.constantFrom("a", "b", "c", "d", "e", "login failed", ""),
  attributes: fc.constant({}),
  resource: fc.constant({ "service.name": "auth" }),
}) as fc.Arbitrary<LogRecord>;

describe("GroupTally", () => {
  it("gives the features and the summary the whole-array functions gave, fed one record at a time", () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (records, score) => {
          const tally = new GroupTally();
          for (const r of records) tally.add(r);
          const want = referenceFeatures(records, score);
          expect(tally.features(score)).toEqual(want);
          expect(groupFeatures(records, score)).toEqual(want);
          expect(tally.summary("auth", want)).toBe(referenceSummary("auth", records, want));
        },
      ),
      { numRuns: 5_000, seed: 18 },
    );
  });
});
