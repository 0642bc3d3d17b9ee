import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blockSizes, decodeSegment, encodeSegment } from "../../../src/store/columnar/index.js";
import { withHost, withoutHost } from "../../../src/store/columnar/resource-host.js";
import type { SegmentRecord } from "../../../src/store/columnar/segment-record.js";

function record(i: number, host: string | null, resource: string): SegmentRecord {
  return {
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 10).toISOString(),
    observedAt: "2026-01-01T00:00:00.000Z",
    service: "BGL",
    host,
    level: "INFO",
    severityNumber: 9,
    message: `instruction cache parity error corrected ${i}`,
    attributes: "{}",
    resource,
    stream: "BGL",
    templateId: "t1",
    template: "instruction cache parity error corrected <*>",
  };
}

/** A node name with numbers in it, a different one on every line (fresh values). */
const node = (i: number) => `R${i % 80}-M${i % 2}-N${i % 16}-C:J${(i * 7) % 18}-U${i}`;

describe("a segment's resources name their row's host by reference", () => {
  it("cuts the host's value out and puts it back, whatever characters the host has", () => {
    for (const host of ["R23-M0-NE-C:J05-U01", 'quo"te', "back\\slash", "ü-ß", "tab\there"]) {
      const resource = JSON.stringify({ "host.name": host, "service.name": "BGL" });
      const kept = withoutHost(resource, host);
      expect(kept).not.toContain(JSON.stringify(host));
      expect(withHost(kept, host)).toBe(resource);
    }
    // Another host, no host, or a resource without one: kept whole.
    const other = '{"host.name":"db-2"}';
    expect(withoutHost(other, "db-1")).toBe(other);
    expect(withoutHost(other, null)).toBe(other);
    expect(withoutHost('{"service.name":"api"}', "db-1")).toBe('{"service.name":"api"}');
    expect(withHost(other, null)).toBe(other);
  });

  it("keeps one resource entry for a thousand hosts, and gives every record back as it was", () => {
    const own = Array.from({ length: 1000 }, (_, i) =>
      record(i, node(i), JSON.stringify({ "host.name": node(i), "service.name": "BGL" })),
    );
    const segment = encodeSegment(1, own);
    expect(decodeSegment(segment)).toEqual(own.map((r, i) => ({ ...r, ref: 1 + i })));
    // The same resources on records that name no host: a thousand entries, as before the cut.
    const whole = own.map((r) => ({ ...r, host: null }));
    const wholeSegment = encodeSegment(1, whole);
    expect(decodeSegment(wholeSegment)).toEqual(whole.map((r, i) => ({ ...r, ref: 1 + i })));
    expect(blockSizes(segment).fields * 3).toBeLessThan(blockSizes(wholeSegment).fields);
  });

  it("gives back every record whose resource names its own host, another one or none (property)", () => {
    const host = fc.option(fc.constantFrom("h1", "h2", 'q"h', "ü"), { nil: null });
    const row = fc.record({ host, named: host, service: fc.constantFrom("api", "BGL") });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), (rows) => {
        const records = rows.map((r, i) =>
          record(
            i,
            r.host,
            JSON.stringify(
              r.named === null
                ? { "service.name": r.service }
                : { "host.name": r.named, "service.name": r.service },
            ),
          ),
        );
        expect(decodeSegment(encodeSegment(7, records))).toEqual(
          records.map((r, i) => ({ ...r, ref: 7 + i })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("writes format version 3, or 4 with the digit filter, so an older release refuses the segment", () => {
    const bytes = encodeSegment(1, [record(0, "n1", '{"host.name":"n1"}')]);
    expect([3, 4]).toContain(bytes[4]);
  });
});
