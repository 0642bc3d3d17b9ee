import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/core/json.js";
import type { RecordToAppend } from "../../../src/core/log-store.js";
import { toSegmentRecords } from "../../../src/store/segments/record-codec.js";

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
        expect(toSegmentRecords(records).map((r) => r.resource)).toEqual(
          records.map((r) => JSON.stringify(r.resource)),
        );
      }),
      { numRuns: 300 },
    );
  });
});
