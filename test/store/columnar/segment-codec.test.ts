import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeSegment,
  decodeSegmentAt,
  decodeSegmentTimes,
  encodeSegment,
  encodeSegmentAsync,
  readSegmentMeta,
} from "../../../src/store/columnar/index.js";
import { apiRecord, arbitraryRecords, loghubRecords, numberColumnRecords } from "./segment-records.js";

const DATASETS = [
  "HDFS",
  "Apache",
  "OpenSSH",
  "Linux",
  "BGL",
  "Thunderbird",
  "Spark",
  "Zookeeper",
  "HPC",
  "Hadoop",
];

describe("segment codec", () => {
  it("gives back every field of every record byte-identical (property)", () => {
    fc.assert(
      fc.property(arbitraryRecords, fc.integer({ min: 1, max: 2 ** 40 }), (records, firstRef) => {
        const decoded = decodeSegment(encodeSegment(firstRef, records));
        expect(decoded).toEqual(records.map((r, i) => ({ ...r, ref: firstRef + i })));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps apart the texts one template id had in one segment, in any order", () => {
    // A template id's text changes when the miner widens the template; records of both can share a segment.
    const shapes = [
      { templateId: "t1", template: "open <*>", message: "open a" },
      { templateId: "t1", template: "open <*> now", message: "open b now" },
      { templateId: "t2", template: "open <*>", message: "open c" },
      { templateId: null, template: "open <*>", message: "open d" },
      { templateId: "t1", template: null, message: "open e" },
    ];
    const records = [0, 1, 2, 1, 0, 3, 4, 0, 4, 3, 1].map((k) => apiRecord(shapes[k]));
    const decoded = decodeSegment(encodeSegment(1, records));
    expect(decoded).toEqual(records.map((r, i) => ({ ...r, ref: 1 + i })));
    expect(readSegmentMeta(encodeSegment(1, records)).templates).toHaveLength(shapes.length);
  });

  it("encodes the same bytes with its compression on the thread pool (property)", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRecords, fc.constantFrom(0, 5), async (records, quality) => {
        const sync = encodeSegment(7, records, { quality });
        expect(await encodeSegmentAsync(7, records, { quality })).toEqual(sync);
      }),
      { numRuns: 60 },
    );
  });

  it("gives back number columns exactly: signs, leading zeros, deltas (property)", () => {
    fc.assert(
      fc.property(numberColumnRecords, (records) => {
        expect(decodeSegment(encodeSegment(1, records))).toEqual(
          records.map((r, i) => ({ ...r, ref: 1 + i })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("decodes records at given positions, and times with template entries", () => {
    fc.assert(
      fc.property(arbitraryRecords, (records) => {
        const segment = encodeSegment(7, records);
        const positions = records
          .map((_, i) => i)
          .filter((i) => i % 3 !== 1)
          .reverse();
        expect(decodeSegmentAt(segment, positions)).toEqual(
          positions.map((i) => ({ ...records[i], ref: 7 + i })),
        );
        const times = decodeSegmentTimes(segment);
        records.forEach((r, i) => {
          expect(times.meta.templates[times.entries[i]!]!.templateId).toBe(r.templateId);
          expect(times.ms[i]).toEqual(Date.parse(r.timestamp));
        });
      }),
      { numRuns: 100 },
    );
  });

  it("keeps the metadata a reader skips segments with", () => {
    fc.assert(
      fc.property(arbitraryRecords, (records) => {
        const meta = readSegmentMeta(encodeSegment(1, records));
        const stamps = records.map((r) => r.timestamp).sort();
        expect(meta.count).toBe(records.length);
        expect(meta.minTimestamp).toBe(stamps[0]);
        expect(meta.maxTimestamp).toBe(stamps[stamps.length - 1]);
        expect(new Set(meta.services)).toEqual(new Set(records.map((r) => r.service)));
        meta.services.forEach((service, k) => {
          const own = records.filter((r) => r.service === service).map((r) => r.severityNumber);
          expect(meta.serviceMaxSeverity[k]).toBe(Math.max(...own));
        });
        expect(meta.templates.reduce((a, t) => a + t.count, 0)).toBe(records.length);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects an empty segment and a reference below 1", () => {
    expect(() => encodeSegment(1, [])).toThrow(RangeError);
    expect(() => encodeSegment(0, [{ ...sample() }])).toThrow(RangeError);
  });

  it.each(DATASETS)("round-trips LogHub %s lines mined by Drain", (dataset) => {
    const records = loghubRecords(dataset);
    const decoded = decodeSegment(encodeSegment(1000, records));
    expect(decoded).toEqual(records.map((r, i) => ({ ...r, ref: 1000 + i })));
  });
});

function sample() {
  return apiRecord({ message: "hello", template: "hello" });
}
