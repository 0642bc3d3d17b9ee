import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/core/json.js";
import type { StoredRecord } from "../../../src/core/log-store.js";
import type { SegmentRecordWithRef } from "../../../src/store/columnar/index.js";
import { encodeFilledSegment, SegmentReader } from "../../../src/store/columnar/index.js";
import { fromJsonText } from "../../../src/store/json.js";
import { eachSegmentRecord } from "../../../src/store/segments/record-codec.js";
import { storedRecordAt } from "../../../src/store/segments/stored-rows.js";
import { records, toAppend } from "./differential-records.js";

/**
 * The whole decoded record turned into what a `LogStore` reader shows (the `logs` table's `toStoredRecord`):
 * how the segment store built its pages before `storedRecordAt`, kept here as the reference.
 */
function toStoredRecord(r: SegmentRecordWithRef): StoredRecord {
  return {
    ref: r.ref,
    timestamp: r.timestamp,
    service: r.service,
    host: r.host,
    level: r.level,
    severityNumber: r.severityNumber,
    message: r.message,
    attributes: fromJsonText<JsonObject>(r.attributes, {}),
    stream: r.stream,
    templateId: r.templateId,
  };
}

describe("storedRecordAt", () => {
  it("is toStoredRecord of the decoded record, field for field and in the same key order", () => {
    fc.assert(
      fc.property(records, (generated) => {
        const appended = generated.map(toAppend);
        const { data } = encodeFilledSegment(101, appended.length, (add) => eachSegmentRecord(appended, add));
        // Rows in any order, from one reader and from a fresh one per row (columns decoded in another order).
        const reader = new SegmentReader(data);
        for (let i = appended.length - 1; i >= 0; i--) {
          const expected = toStoredRecord(new SegmentReader(data).record(i));
          const shown = storedRecordAt(reader, i);
          expect(shown).toEqual(expected);
          expect(JSON.stringify(shown)).toBe(JSON.stringify(expected));
        }
      }),
      { numRuns: 150, seed: 18 },
    );
  });
});
