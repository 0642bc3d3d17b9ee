import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FilledSegment, type SegmentRecord } from "../../../src/store/columnar/index.js";
import {
  type PackedRecords,
  SegmentRecordPacker,
  SegmentRecordUnpacker,
} from "../../../src/store/columnar/segment-record-pack.js";
import { binaryString } from "../../helpers/binary-string.js";
import { arbitraryRecords } from "./segment-records.js";

/** Records with fields that repeat in runs (as a batch's do) and strings a UTF-8 round trip would change. */
const runRecords = fc
  .array(
    fc.record({
      timestamp: fc.constantFrom("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.500Z", "not a time"),
      observedAt: fc.constantFrom("2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00Z"),
      service: fc.constantFrom("api", "db", ""),
      host: fc.constantFrom(null, "h1", "\uD800", "\uDBFF"),
      level: fc.constantFrom(null, "INFO", "ERROR"),
      severityNumber: fc.constantFrom(0, 9, 17, 9),
      message: fc.oneof(
        fc.constantFrom("user 1 in", "user 2 in", "lone \uD800", "lone \uDFFF", ""),
        binaryString({ maxLength: 6 }),
      ),
      attributes: fc.constantFrom("{}", '{"n":1}', '{"n":2}', '{"s":"\uD801"}'),
      resource: fc.constantFrom("{}", '{"service.name":"api"}'),
      stream: fc.constantFrom("api", "db"),
      templateId: fc.constantFrom(null, "t1", "t2"),
      template: fc.constantFrom(null, "user <*> in", "lone <*>"),
    }),
    { minLength: 1, maxLength: 50 },
  )
  .map((rows) => rows as SegmentRecord[]);

/** Packs `records` in takes of `cut`, cloned as `postMessage` would, and unpacks them into copies. */
function roundTrip(records: readonly SegmentRecord[], cut: number): SegmentRecord[] {
  const packer = new SegmentRecordPacker();
  const takes: PackedRecords[] = [];
  records.forEach((r, i) => {
    // The packer keeps nothing of the object: hand it a copy that is then spoiled.
    const handed = { ...r };
    packer.add(handed);
    Object.assign(handed, { message: "spoiled", service: "spoiled", template: "spoiled" });
    if ((i + 1) % cut === 0) takes.push(structuredClone(packer.take()));
  });
  takes.push(structuredClone(packer.take()));
  const unpacker = new SegmentRecordUnpacker();
  const out: SegmentRecord[] = [];
  for (const t of takes) unpacker.unpack(t, (r) => out.push({ ...r }));
  return out;
}

function encoded(records: readonly SegmentRecord[]): Uint8Array {
  const segment = new FilledSegment(11, records.length);
  for (const r of records) segment.add(r);
  return segment.encode({ quality: 0 }).data;
}

describe("records packed to cross to another thread", () => {
  it("unpack to the records packed, in any takes, lone surrogates included (property)", () => {
    fc.assert(
      fc.property(fc.oneof(runRecords, arbitraryRecords), fc.integer({ min: 1, max: 12 }), (records, cut) => {
        expect(roundTrip(records, cut)).toEqual(records);
      }),
      { numRuns: 400 },
    );
  });

  it("give the same segment bytes as the records themselves (property)", () => {
    fc.assert(
      fc.property(fc.oneof(runRecords, arbitraryRecords), fc.integer({ min: 1, max: 12 }), (records, cut) => {
        expect(encoded(roundTrip(records, cut))).toEqual(encoded(records));
      }),
      { numRuns: 200 },
    );
  });

  it("send a repeated field once, and refuse a first record without every field", () => {
    const r: SegmentRecord = {
      timestamp: "2026-01-01T00:00:00.000Z",
      observedAt: "2026-01-01T00:00:00.000Z",
      service: "api",
      host: null,
      level: "INFO",
      severityNumber: 9,
      message: "m",
      attributes: "{}",
      resource: "{}",
      stream: "api",
      templateId: "t1",
      template: "m",
    };
    const packer = new SegmentRecordPacker();
    packer.add(r);
    const first = packer.take();
    packer.add(r);
    packer.add({ ...r, level: "WARN" });
    const next = packer.take();
    expect(first.values).toHaveLength(4 + 9);
    expect(next.values).toEqual([0, r.timestamp, "m", "{}", 8, r.timestamp, "m", "{}", "WARN"]);
    expect(() => new SegmentRecordUnpacker().unpack(next, () => {})).toThrow(/every field/);
  });
});
