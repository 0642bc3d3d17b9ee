import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DigitRunSummary,
  decodeSegment,
  digitProbes,
  encodeSegment,
  readDigitRunSummary,
  recordMatcher,
  type SegmentRecord,
} from "../../../src/store/columnar/index.js";
import { foldedWords, queryWords } from "../../../src/store/columnar/word-fold.js";
import { apiRecord, arbitraryRecords, loghubRecords, numberColumnRecords } from "./segment-records.js";

/** Texts a search for an id or a number takes from a message: a word with digits, whole, cut, or two. */
function digitTextsOf(message: string): string[] {
  const words = foldedWords(message).filter((w) => /[0-9]/.test(w));
  const out: string[] = [];
  for (const [k, w] of words.entries()) {
    out.push(w, w.slice(0, Math.max(1, w.length - 3)));
    for (const run of w.match(/[0-9]+/g) ?? []) out.push(run);
    if (k > 0) out.push(`${words[k - 1]} ${w}`);
  }
  return out;
}

/** The summary never turns down a segment holding a record whose message matches `text`. */
function expectNoFalseNegative(
  summary: DigitRunSummary,
  records: readonly SegmentRecord[],
  text: string,
): void {
  const matches = records.filter(recordMatcher({ text }));
  if (matches.length === 0) return;
  if (!summary.mayHoldAll(digitProbes(queryWords(text))))
    throw new Error(
      `summary turned down ${JSON.stringify(text)}, held by ${JSON.stringify(matches[0]!.message)}`,
    );
}

describe("digit-run summary", () => {
  it("never turns down a segment holding a match (property, arbitrary records and number columns)", () => {
    const recordsArb = fc.oneof(arbitraryRecords, numberColumnRecords);
    fc.assert(
      fc.property(recordsArb, fc.nat(), (records, pick) => {
        const segment = encodeSegment(1, records);
        const decoded = decodeSegment(segment);
        const texts = digitTextsOf(decoded[pick % decoded.length]!.message);
        const summary = readDigitRunSummary(segment);
        for (const text of texts) expectNoFalseNegative(summary, decoded, text);
      }),
      { numRuns: 300, seed: 18 },
    );
  });

  it("holds every digit word of LogHub messages, and turns down numbers none holds", () => {
    for (const dataset of ["HDFS", "OpenSSH", "Spark", "Linux"]) {
      const records = loghubRecords(dataset);
      const segment = encodeSegment(1, records);
      const decoded = decodeSegment(segment);
      const summary = readDigitRunSummary(segment);
      // Each text against the message it came from (matching all of them took minutes).
      for (const r of decoded)
        for (const text of digitTextsOf(r.message)) expectNoFalseNegative(summary, [r], text);
      // Numbers no message holds: nearly all turned down (a Bloom filter's false positives aside).
      const absent = Array.from({ length: 200 }, (_, i) => String(9_876_543_210 + i * 7_919));
      const kept = absent.filter((n) => summary.mayHoldAll(digitProbes([n])));
      expect(decoded.some((r) => absent.some((n) => r.message.includes(n)))).toBe(false);
      expect(kept.length).toBeLessThan(10);
    }
  });

  it("claims every run when a template can join digits across a slot's edge", () => {
    // `id7<*>`: the message `id7123` holds the run 7123, which no piece or value holds whole.
    const records = Array.from({ length: 40 }, (_, i) =>
      apiRecord({ template: "id7<*> done", message: `id7${1000 + i} done` }),
    );
    const segment = encodeSegment(1, records);
    expect(readDigitRunSummary(segment).mayHoldAll(digitProbes(["71005", "done"]))).toBe(true);
    expect(decodeSegment(segment).filter(recordMatcher({ text: "id71005" }))).toHaveLength(1);
    // Two slots with nothing between them: `12` and `34` make the run 1234.
    const adjacent = encodeSegment(
      1,
      Array.from({ length: 40 }, (_, i) =>
        apiRecord({ template: "x <*><*> y", message: `x ${10 + i}${50 + i} y` }),
      ),
    );
    expect(readDigitRunSummary(adjacent).mayHoldAll(digitProbes(["1151", "y"]))).toBe(true);
    // Apart, the same values are summarised: a run no message holds is turned down.
    const apart = encodeSegment(
      1,
      Array.from({ length: 40 }, (_, i) =>
        apiRecord({ template: "id <*> done", message: `id ${1000 + i} done` }),
      ),
    );
    expect(readDigitRunSummary(apart).mayHoldAll(digitProbes(["1005", "done"]))).toBe(true);
    expect(readDigitRunSummary(apart).mayHoldAll(digitProbes(["71005", "done"]))).toBe(false);
  });

  it("probes whole runs, and the last word's last run by its first digits", () => {
    expect(digitProbes(["blk", "4936354093"]).map((p) => p.digits)).toEqual(["49363540"]);
    // Long ids share their first digits: the longest keyed start (8, 12, 16 or 20 digits) is probed.
    expect(digitProbes(["8353423262334295000"]).map((p) => p.digits)).toEqual(["8353423262334295"]);
    expect(digitProbes(["4936354093", "x"]).map((p) => p.digits)).toEqual(["4936354093"]);
    // Too short to prune: a run of 3, the last word's run of fewer than 8 digits.
    expect(digitProbes(["a123b", "1234567"]).map((p) => p.digits)).toEqual([]);
    expect(digitProbes(["10x2049y"]).map((p) => p.digits)).toEqual(["2049"]);
    expect(digitProbes(null)).toEqual([]);
  });

  it("tells apart long ids that share their first digits, as the last word", () => {
    const ids = Array.from(
      { length: 40 },
      (_, i) => `83534232620${String(1_000_000 + i * 7_919).padStart(8, "0")}`,
    );
    const records = ids.map((id) =>
      apiRecord({ template: "session <*> closed", message: `session ${id} closed` }),
    );
    const summary = readDigitRunSummary(encodeSegment(1, records));
    for (const id of ids)
      for (const cut of [0, 2, 5])
        expect(summary.mayHoldAll(digitProbes([id.slice(0, id.length - cut)]))).toBe(true);
    expect(summary.mayHoldAll(digitProbes(["8353423262099999999"]))).toBe(false);
  });

  it("keeps leading zeros and signs apart as messages do", () => {
    const values = Array.from({ length: 64 }, (_, i) => (i % 2 ? `-${1_000_000 + i}` : `000${i + 10}`));
    const records = values.map((v) => apiRecord({ template: "n=<*> end", message: `n=${v} end` }));
    const segment = encodeSegment(1, records);
    const summary = readDigitRunSummary(segment);
    for (const v of values) expect(summary.mayHoldAll(digitProbes([v.replace("-", ""), "end"]))).toBe(true);
    expect(summary.mayHoldAll(digitProbes(["0001", "end"]))).toBe(false);
  });
});
