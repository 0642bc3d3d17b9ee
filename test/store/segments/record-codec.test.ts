import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/core/json.js";
import { hostOf, serviceOf } from "../../../src/core/log-record.js";
import type { RecordToAppend } from "../../../src/core/log-store.js";
import {
  encodeFilledSegment,
  encodeSegment,
  FilledSegment,
  type SegmentRecord,
} from "../../../src/store/columnar/index.js";
import { BLOCK_NAMES, readBlock, readStoredBlock } from "../../../src/store/columnar/segment-blocks.js";
import { eachSegmentRecord } from "../../../src/store/segments/record-codec.js";

/** The mapping written out field by field, as the oracle: the `logs` table's columns, JSON as text. */
function expectedSegmentRecord(r: RecordToAppend): SegmentRecord {
  return {
    timestamp: r.timestamp,
    observedAt: r.observedTimestamp,
    service: serviceOf(r),
    host: hostOf(r),
    level: r.severityText,
    severityNumber: r.severityNumber,
    message: r.body,
    attributes: JSON.stringify(r.attributes),
    resource: JSON.stringify(r.resource),
    stream: r.stream,
    templateId: r.templateId,
    template: r.template ?? null,
  };
}

/** What `eachSegmentRecord` hands over, each record copied (it refills one object). */
function segmentRecords(records: readonly RecordToAppend[]): SegmentRecord[] {
  const out: SegmentRecord[] = [];
  eachSegmentRecord(records, (r) => out.push({ ...r }));
  return out;
}

const nested = { region: "eu" };
/** Resources as decoders hand them over: equal ones as fresh objects, some differing only subtly. */
const resource = fc.constantFrom<() => JsonObject>(
  () => ({ "service.name": "api" }),
  () => ({ "service.name": "api", "host.name": "h1" }),
  () => ({ "host.name": "h1", "service.name": "api" }),
  () => ({ "service.name": "db" }),
  () => ({ "service.name": "api", n: 0 }),
  () => ({ "service.name": "api", n: -0 }),
  () => ({ "service.name": "api", n: Number.NaN }),
  () => ({ "service.name": "api", cloud: nested }),
  () => ({ "service.name": "api", cloud: { region: "eu" } }),
  () => ({ "service.name": "api", cloud: { region: "us" } }),
  () => ({}),
);

function record(resource: JsonObject): RecordToAppend {
  return {
    timestamp: "2026-01-01T00:00:00.000Z",
    observedTimestamp: "2026-01-01T00:00:00.000Z",
    severityText: null,
    severityNumber: 9,
    body: "x",
    attributes: {},
    resource,
    stream: "api",
    templateId: null,
    params: null,
  };
}

describe("records to append as the segment codec stores them", () => {
  it("writes each record's resource as JSON.stringify does, runs of equal fresh objects included (property)", () => {
    fc.assert(
      fc.property(fc.array(resource, { minLength: 1, maxLength: 30 }), (makers) => {
        const records = makers.map((make) => record(make()));
        expect(segmentRecords(records).map((r) => r.resource)).toEqual(
          records.map((r) => JSON.stringify(r.resource)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("encodes records handed over one refilled object at a time as the records mapped field by field (property)", () => {
    const appended = fc.record({
      make: resource,
      body: fc.constantFrom("x", "user alice logged in", "disk 93% full on /dev/sda1"),
      template: fc.constantFrom(undefined, "user <*> logged in", "disk <*> full on <*>"),
      time: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      severityNumber: fc.integer({ min: 0, max: 24 }),
      attributes: fc.constantFrom<JsonObject>({}, { n: 1 }, { user: "alice", port: 22 }),
    });
    fc.assert(
      fc.property(
        fc.array(appended, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 9 }),
        (specs, cut) => {
          const records = specs.map(
            (x): RecordToAppend => ({
              ...record(x.make()),
              timestamp: new Date(x.time).toISOString(),
              body: x.body,
              severityNumber: x.severityNumber,
              attributes: x.attributes,
              ...(x.template === undefined ? {} : { templateId: "t1", template: x.template }),
            }),
          );
          const filled = encodeFilledSegment(7, records.length, (add) => eachSegmentRecord(records, add));
          const expected = records.map(expectedSegmentRecord);
          expect(segmentRecords(records)).toEqual(expected);
          // A batch: the five blocks a sealed segment of the same records has, without its digit filter.
          const sealed = encodeSegment(7, expected);
          for (const name of BLOCK_NAMES)
            expect(readBlock(filled.data, name)).toEqual(readBlock(sealed, name));
          expect(readStoredBlock(filled.data, "digits")).toBeNull();
          // Handed over in slices across calls (the pipeline's streamed append): the same bytes and range.
          const sliced = new FilledSegment(7, records.length);
          for (let i = 0; i < records.length; i += cut)
            eachSegmentRecord(records.slice(i, i + cut), sliced.add);
          expect(sliced.encode()).toEqual(filled);
        },
      ),
      { numRuns: 200 },
    );
  });
});
