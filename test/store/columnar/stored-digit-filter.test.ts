import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeSegment,
  encodeSegment,
  readStoredDigitFilter,
  recordMatcher,
  resealPieces,
  type SegmentRecord,
  type StoredDigitFilter,
  searchSegment,
  storedDigitProbes,
} from "../../../src/store/columnar/index.js";
import { readStoredBlock } from "../../../src/store/columnar/segment-blocks.js";
import { foldedWords, queryWords } from "../../../src/store/columnar/word-fold.js";
import { apiRecord, arbitraryRecords, loghubRecords, numberColumnRecords } from "./segment-records.js";
import { v1SegmentRecords } from "./v1-segment-records.js";

/** Texts a search for an id or a number takes from a message: a word with digits, whole, cut, or two. */
function digitTextsOf(message: string): string[] {
  const words = foldedWords(message).filter((w) => /[0-9]/.test(w));
  const out: string[] = [];
  for (const [k, w] of words.entries()) {
    for (let cut = 0; cut < w.length; cut += 3) out.push(w.slice(0, w.length - cut));
    for (const run of w.match(/[0-9]+/g) ?? []) out.push(run, run.slice(1));
    if (k > 0) out.push(`${words[k - 1]} ${w}`, `${w} ${words[k - 1]}`);
  }
  return out.filter((t) => t.trim() !== "");
}

/**
 * The stored filter never turns down a segment holding a record whose message matches `text`. The records
 * are matched only when the filter turns the text down (a filter that lets it through cannot be wrong):
 * matching every record for every text first was most of this file's time (600 records x 600 records' texts).
 */
function expectNoFalseNegative(
  filter: StoredDigitFilter,
  records: readonly SegmentRecord[],
  text: string,
): void {
  if (filter.mayHoldAll(storedDigitProbes(queryWords(text)))) return;
  const match = records.find(recordMatcher({ text }));
  if (match !== undefined)
    throw new Error(
      `stored filter turned down ${JSON.stringify(text)}, held by ${JSON.stringify(match.message)}`,
    );
}

const digits = fc.stringMatching(/^[0-9]{1,24}$/);
/** Ids of every length in words, in number columns, dictionaries and verbatim messages. */
const idRecords = fc
  .array(
    fc.record({
      id: digits,
      other: digits,
      shape: fc.constantFrom("plain", "blk", "pair", "verbatim", "glued"),
    }),
    { minLength: 1, maxLength: 80 },
  )
  .map((rows) =>
    rows.map(({ id, other, shape }, i): SegmentRecord => {
      const timestamp = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
      if (shape === "plain")
        return apiRecord({ timestamp, template: "id <*> done", message: `id ${id} done` });
      if (shape === "blk")
        return apiRecord({ timestamp, template: "blk_<*> to <*>", message: `blk_-${id} to 10.0.${other}:1` });
      if (shape === "pair")
        return apiRecord({ timestamp, template: "<*> and <*>", message: `${id}x and y${other}` });
      if (shape === "glued")
        // A static digit beside a slot: the template can join digits across its edge.
        return apiRecord({ timestamp, template: "n7<*> end", message: `n7${id} end` });
      return apiRecord({ timestamp, templateId: null, template: null, message: `raw ${id}-${other}z` });
    }),
  );

describe("stored digit filter", () => {
  it("never turns down a segment holding a match (property: ids, number columns, arbitrary records)", () => {
    const recordsArb = fc.oneof(idRecords, numberColumnRecords, arbitraryRecords);
    fc.assert(
      fc.property(recordsArb, fc.nat(), (records, pick) => {
        const segment = encodeSegment(1, records);
        const decoded = decodeSegment(segment);
        const filter = readStoredDigitFilter(segment);
        expect(filter).not.toBeNull();
        for (const k of [pick, pick + 1, pick + 7]) {
          const message = decoded[k % decoded.length]!.message;
          for (const text of digitTextsOf(message)) expectNoFalseNegative(filter!, decoded, text);
        }
      }),
      { numRuns: 400, seed: 1826 },
    );
  });

  it("is the same filter whether a segment is encoded from records or resealed from batches", async () => {
    const records = fc.sample(idRecords, { seed: 7, numRuns: 1 })[0]!;
    const batches = [encodeSegment(1, records.slice(0, 30), { quality: 0 })];
    if (records.length > 30) batches.push(encodeSegment(31, records.slice(30), { quality: 0 }));
    const [sealed] = await resealPieces(batches, 1_000);
    expect(readStoredBlock(sealed!, "digits")).toEqual(readStoredBlock(encodeSegment(1, records), "digits"));
  });

  it("holds every digit word of LogHub messages, and turns down most numbers none holds", () => {
    for (const dataset of ["HDFS", "OpenSSH", "Spark", "Linux", "BGL"]) {
      const records = loghubRecords(dataset);
      const segment = encodeSegment(1, records);
      const decoded = decodeSegment(segment);
      const filter = readStoredDigitFilter(segment)!;
      for (const r of decoded)
        for (const text of digitTextsOf(r.message)) expectNoFalseNegative(filter, [r], text);
      const absent = Array.from({ length: 400 }, (_, i) => String(9_876_543_210 + i * 7_919));
      expect(decoded.some((r) => absent.some((n) => r.message.includes(n)))).toBe(false);
      const kept = absent.filter((n) => filter.mayHoldAll(storedDigitProbes([n])));
      // A fuse filter lets 1 in 16 through (25 of 400); the Bloom filter a few keys get, fewer. The
      // Bloom filter segments were sealed with before let about 9% through (36 of 400).
      expect(kept.length).toBeLessThan(40);
    }
  });

  it("claims every run when a template can join digits across a slot's edge", () => {
    const records = Array.from({ length: 40 }, (_, i) =>
      apiRecord({ template: "id7<*> done", message: `id7${100_000 + i} done` }),
    );
    const filter = readStoredDigitFilter(encodeSegment(1, records))!;
    expect(filter.mayHoldAll(storedDigitProbes(["7100005", "done"]))).toBe(true);
    expect(filter.mayHoldAll(storedDigitProbes(["99999999"]))).toBe(true);
  });

  it("probes runs of 6 and 7 digits whole, longer ones and the last word's last run by their first 8", () => {
    const probed = (words: string[]) => storedDigitProbes(words).map((p) => p.digits);
    expect(probed(["4612354093"])).toEqual(["46123540"]);
    expect(probed(["4612354093", "x"])).toEqual(["46123540"]);
    expect(probed(["8353423262334295000"])).toEqual(["83534232"]);
    expect(probed(["12345678", "x"])).toEqual(["12345678"]);
    expect(probed(["a123456b", "x"])).toEqual(["123456"]);
    // Too short, or the last word's run of fewer than 8 digits (the start of a longer one).
    expect(probed(["a12345b", "1234567"])).toEqual([]);
    expect(probed(null as unknown as string[])).toEqual([]);
  });
});

describe("segments sealed with a Bloom filter (before the fuse filter)", () => {
  const bloom = new Uint8Array(readFileSync(new URL("./fixtures/segment-v2-bloom.bin", import.meta.url)));
  const records = v1SegmentRecords();

  it("are read as that release wrote them, and the filter turns down only numbers they lack", () => {
    expect(readStoredBlock(bloom, "digits")![0]).toBe(1);
    expect(decodeSegment(bloom)).toEqual(records.map((r, i) => ({ ...r, ref: 1001 + i })));
    const filter = readStoredDigitFilter(bloom)!;
    for (const r of records)
      for (const text of digitTextsOf(r.message)) expectNoFalseNegative(filter, records, text);
    const absent = Array.from({ length: 400 }, (_, i) => String(9_876_543_210 + i * 7_919));
    expect(absent.filter((n) => filter.mayHoldAll(storedDigitProbes([n]))).length).toBeLessThan(60);
    // Sealed today, the same records get the fuse filter: the same answers to every search.
    const fuse = encodeSegment(1001, records);
    expect(readStoredBlock(fuse, "digits")![0]).toBe(2);
    for (const text of ["4612354093", "46123540", "4612362012", "blk", "req-461235", "nothing9"])
      expect(searchSegment(fuse, { text })).toEqual(searchSegment(bloom, { text }));
  });
});

describe("segments of format version 1 (no stored filter)", () => {
  const v1 = new Uint8Array(readFileSync(new URL("./fixtures/segment-v1.bin", import.meta.url)));
  const records = v1SegmentRecords();

  it("are read as that release wrote them, and searched with the same answers as version 2", () => {
    expect(v1[4]).toBe(1);
    expect(readStoredDigitFilter(v1)).toBeNull();
    expect(decodeSegment(v1)).toEqual(records.map((r, i) => ({ ...r, ref: 1001 + i })));
    const v2 = encodeSegment(1001, records);
    // Written today: version 4, version 2's blocks (resources may name their host by reference).
    expect(v2[4]).toBe(4);
    for (const text of [
      "4612354093",
      "4612362012",
      "46123540",
      "blk",
      "10.0.3",
      "req-461235",
      "took 13",
      "nothing9",
    ]) {
      const expected = records.flatMap((r, i) => (recordMatcher({ text })(r) ? [1001 + i] : []));
      expect(searchSegment(v1, { text }).map((r) => r.ref)).toEqual(expected);
      expect(searchSegment(v2, { text }).map((r) => r.ref)).toEqual(expected);
    }
  });
});
