import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeSegment,
  encodeSegment,
  encodeSegmentWithRange,
  resealPieces,
  type SegmentRecord,
  type SegmentRecordWithRef,
} from "../../../src/store/columnar/index.js";
import { BLOCK_NAMES, readBlock, readStoredBlock } from "../../../src/store/columnar/segment-blocks.js";
import { wholePieceLines } from "../../../src/store/columnar/segment-reseal.js";
import { shapeOf } from "../../../src/store/columnar/shaped-text-column.js";
import { isNumberText } from "../../../src/store/columnar/slot-column.js";
import { cutIntoSegments } from "../../../src/store/segments/sealer.js";
import { arbitraryRecords, loghubRecords } from "./segment-records.js";

/** Records cut into batches (lengths from `cuts`), references from `firstRef` with a gap after batch `gapAfter`. */
function batchesOf(records: readonly SegmentRecord[], cuts: readonly number[], gapAfter: number) {
  const batches: { firstRef: number; records: SegmentRecord[] }[] = [];
  let ref = 1;
  let at = 0;
  for (let k = 0; at < records.length; k++) {
    const size = Math.max(1, cuts[k % Math.max(1, cuts.length)] ?? records.length);
    batches.push({ firstRef: ref, records: records.slice(at, at + size) });
    ref += Math.min(size, records.length - at) + (k === gapAfter ? 5 : 0);
    at += size;
  }
  return batches;
}

/** What sealing did before `resealPieces`: every batch decoded into records, cut, each run encoded. */
function sealedFromRecords(
  pieces: readonly Uint8Array[],
  segmentLines: number,
  quality: number,
): Uint8Array[] {
  const records: SegmentRecordWithRef[] = pieces.flatMap((p) => decodeSegment(p));
  return cutIntoSegments(records, segmentLines).map((run) => encodeSegment(run[0]!.ref, run, { quality }));
}

describe("sealing from decoded columns", () => {
  it("gives the bytes that encoding the decoded records gives (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryRecords,
        fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: -1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        async (records, cuts, gapAfter, segmentLines) => {
          const pieces = batchesOf(records, cuts, gapAfter).map((b) =>
            encodeSegment(b.firstRef, b.records, { quality: 0 }),
          );
          const sealed = await resealPieces(pieces, segmentLines, { quality: 1 });
          expect(sealed).toEqual(sealedFromRecords(pieces, segmentLines, 1));
          // Compressed on this thread (the sealing thread's way) or on libuv's pool: the same bytes.
          expect(await resealPieces(pieces, segmentLines, { quality: 1 }, true)).toEqual(sealed);
          const refs = pieces.flatMap((p) => decodeSegment(p));
          expect(sealed.flatMap((s) => decodeSegment(s))).toEqual(refs);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("gives the same bytes on mined LogHub lines, batches of 700 sealed into 1,500-line segments", async () => {
    for (const dataset of ["HDFS", "Apache", "OpenSSH", "BGL"]) {
      const records = loghubRecords(dataset);
      const pieces = batchesOf(records, [700], -1).map((b) =>
        encodeSegment(b.firstRef, b.records, { quality: 0 }),
      );
      const expected = sealedFromRecords(pieces, 1500, 5);
      expect(await resealPieces(pieces, 1500, { quality: 5 })).toEqual(expected);
      expect(await resealPieces(pieces, 1500, { quality: 5 }, true)).toEqual(expected);
    }
  });
});

describe("sealing a large piece on its own", () => {
  const datasets = ["HDFS", "Apache", "OpenSSH", "BGL", "Linux"];

  it("takes pieces of at least 4,096 records at the default 16,384, a quarter of larger segments", () => {
    expect(wholePieceLines(16_384)).toBe(4_096);
    expect(wholePieceLines(100)).toBe(4_096);
    expect(wholePieceLines(65_536)).toBe(16_384);
  });

  it("seals a piece of 4,096 records or more alone, with the bytes resealing it alone gives, and cuts the others around it as before", async () => {
    const records = datasets.flatMap((d) => loghubRecords(d));
    // 300 | 4,500 (alone) | 200 + 3,000 (merged: one segment of 3,200) | 2,000: a gap after the fourth
    // piece makes the last one a run of its own.
    const pieces = batchesOf(records, [300, 4_500, 200, 3_000, 2_000], 3).map((b) =>
      encodeSegment(b.firstRef, b.records, { quality: 0 }),
    );
    expect(pieces).toHaveLength(5);
    const sealed = await resealPieces(pieces, 16_384, { quality: 5 });
    const expected = [
      ...sealedFromRecords(pieces.slice(0, 1), 16_384, 5),
      ...sealedFromRecords(pieces.slice(1, 2), 16_384, 5),
      ...sealedFromRecords(pieces.slice(2), 16_384, 5),
    ];
    expect(sealed).toEqual(expected);
    expect(sealed.map((s) => decodeSegment(s).length)).toEqual([300, 4_500, 3_200, 2_000]);
    expect(await resealPieces(pieces, 16_384, { quality: 5 }, true)).toEqual(expected);
    expect(sealed.flatMap((s) => decodeSegment(s))).toEqual(pieces.flatMap((p) => decodeSegment(p)));
    // A larger segment size raises the bar: the 4,500-record piece is merged with its neighbours then.
    const wide = await resealPieces(pieces, 20_000, { quality: 5 });
    expect(wide).toEqual(sealedFromRecords(pieces, 20_000, 5));
    expect(wide).toHaveLength(2);
  });
});

describe("record encoding", () => {
  it("writes the blocks the record-by-record encoder of f70bab7 wrote (format kept)", () => {
    // sha256 of every block, decompressed, of 300 seeded samples of `arbitraryRecords`, computed with the
    // encoder as it was at f70bab7 (before `SegmentBuilder`). A fast-check upgrade that changes what a seed
    // samples changes it too: recompute it then from that commit's encoder.
    const hash = createHash("sha256");
    for (const records of fc.sample(arbitraryRecords, { seed: 20261125, numRuns: 300 })) {
      const segment = encodeSegment(3, records, { quality: 0 });
      for (const name of BLOCK_NAMES) hash.update(readBlock(segment, name));
    }
    expect(hash.digest("hex")).toBe("dcf3ad265882049feca78c951f80c7d64a030a996ede6e4581f59b8cb9ec1a1f");
  });

  it("shapes a text as /\\d+/g does: digit runs become wildcards and values (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^[a-z0-9":{},.٣-]{0,30}$/)),
        (text) => {
          const { shapeText, values } = shapeOf(text);
          expect(shapeText).toBe(text.replace(/\d+/g, "<*>"));
          expect(values).toEqual(text.match(/\d+/g) ?? []);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("takes as number values exactly the texts of at most 15 digits, `-` only before a non-zero one (property)", () => {
    const pattern = /^(?:-[1-9][0-9]{0,14}|[0-9]{1,15})$/;
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 18 }), fc.stringMatching(/^-?[0-9]{0,17}[a ]?$/)),
        (text) => {
          expect(isNumberText(text)).toBe(pattern.test(text));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("gives the least and greatest time text (code-unit order) and severity with the bytes (property)", () => {
    fc.assert(
      fc.property(arbitraryRecords, (records) => {
        const { data, range } = encodeSegmentWithRange(4, records, { quality: 0 });
        // The same five blocks as a sealed segment's; a batch has no stored digit filter (version 1).
        const sealed = encodeSegment(4, records, { quality: 0 });
        for (const name of BLOCK_NAMES) expect(readBlock(data, name)).toEqual(readBlock(sealed, name));
        expect(readStoredBlock(data, "digits")).toBeNull();
        expect(readStoredBlock(sealed, "digits")).not.toBeNull();
        const times = records.map((r) => r.timestamp).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const severities = records.map((r) => r.severityNumber);
        expect(range).toEqual({
          minTimestamp: times[0],
          maxTimestamp: times.at(-1),
          minSeverity: Math.min(...severities),
          maxSeverity: Math.max(...severities),
        });
      }),
      { numRuns: 300 },
    );
  });
});
