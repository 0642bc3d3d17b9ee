import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeFilledSegment, SegmentReader } from "../../../src/store/columnar/index.js";
import { eachSegmentRecord, toStoredRecord } from "../../../src/store/segments/record-codec.js";
import { storedRecordAt } from "../../../src/store/segments/stored-rows.js";
import { records, toAppend } from "./differential-records.js";

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
