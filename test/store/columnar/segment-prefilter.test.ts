import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LogQuery } from "../../../src/core/log-store.js";
import {
  decodeSegment,
  encodeSegment,
  leanWords,
  planSegment,
  readLeanIndex,
  readSearchIndex,
  recordMatcher,
  type SegmentRecord,
  searchSegment,
  segmentMayMatch,
} from "../../../src/store/columnar/index.js";
import { foldedWords, queryWords } from "../../../src/store/columnar/word-fold.js";
import { apiRecord, arbitraryRecords, loghubRecords, numberColumnRecords } from "./segment-records.js";

/** Undefined four times in five: each filter narrows the query only now and then, so most queries match. */
function rarely<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

/** A query built from one record's own words (so it matches that record), with optional filters. */
function queryFrom(records: readonly SegmentRecord[]) {
  return fc
    .record({
      at: fc.nat(),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
      cut: fc.nat(),
      extra: rarely(fc.constantFrom("user", "123", "user123", "x", "caf", "été", "zz9")),
      service: rarely(fc.constantFrom("api", "db")),
      host: rarely(fc.constantFrom("h1", "h2")),
      templateId: rarely(fc.constantFrom("t0", "t1")),
      minSeverityNumber: rarely(fc.integer({ min: 0, max: 24 })),
      since: rarely(fc.constantFrom("2000", "2040-01-01T00:00:00.000Z")),
    })
    .map((q): LogQuery => {
      const r = records[q.at % records.length]!;
      const words = foldedWords(r.message);
      let text = q.picks.map((p) => words[p % Math.max(words.length, 1)] ?? "").join(" ");
      if (words.length > 0 && q.cut % 3 === 0) text = text.slice(0, Math.max(1, text.length - (q.cut % 4)));
      if (q.extra) text = `${text} ${q.extra}`;
      return {
        text,
        service: q.service,
        host: q.host,
        templateId: q.templateId,
        minSeverityNumber: q.minSeverityNumber,
        since: q.since,
      };
    });
}

/**
 * The prefilter keeps the segment when a record matches, and searchSegment finds exactly the brute-force
 * matches, with the parsed index and, for the words it takes, with the lean one (byte searches of the
 * index block, rows judged on their numbers first).
 */
function expectNoFalseNegative(records: readonly SegmentRecord[], query: LogQuery): void {
  const segment = encodeSegment(1, records);
  const matcher = recordMatcher(query);
  const matches = decodeSegment(segment).filter(matcher);
  if (matches.length > 0) expect(segmentMayMatch(readSearchIndex(segment), query)).toBe(true);
  expect(searchSegment(segment, query)).toEqual(matches);
  // Any word of ASCII letters and digits: what a count or histogram plans on the lean index.
  const words = leanWords(query.text && query.text.trim() !== "" ? queryWords(query.text) : null, true);
  const lean = readLeanIndex(segment);
  if (words) {
    if (matches.length > 0) expect(segmentMayMatch(lean, query)).toBe(true);
    expect(searchSegment(segment, query, lean)).toEqual(matches);
  }
}

/**
 * A query of digits from one record's message: a run of its digits, whole, cut short (the last word
 * matches as a prefix) or spanning a word's letters and digits, sometimes two words, sometimes a number
 * none holds. What a search for an id, a block or a counter looks like.
 */
function digitQueryFrom(records: readonly SegmentRecord[]) {
  return fc
    .record({ at: fc.nat(), pick: fc.nat(), cut: fc.nat({ max: 5 }), second: fc.nat(), other: fc.boolean() })
    .map(({ at, pick, cut, second, other }): LogQuery => {
      const words = foldedWords(records[at % records.length]!.message).filter((w) => /[0-9]/.test(w));
      if (words.length === 0 || other) return { text: String(at * 7919 + pick) };
      const w = words[pick % words.length]!;
      const digits = w.match(/[0-9]+/g) ?? [w];
      let text =
        cut === 0 ? w : cut === 1 ? digits[pick % digits.length]! : w.slice(0, Math.max(1, w.length - cut));
      if (second % 3 === 0) text = `${words[second % words.length]!} ${text}`;
      return { text };
    });
}

describe("segment prefilter", () => {
  it("never excludes a segment holding a matching record (property, brute force)", () => {
    fc.assert(
      fc.property(
        arbitraryRecords.chain((records) => fc.tuple(fc.constant(records), queryFrom(records))),
        ([records, query]) => expectNoFalseNegative(records, query),
      ),
      { numRuns: 1500 },
    );
  }, 180_000);

  it("never excludes a segment holding a matching record in its number columns (property)", () => {
    fc.assert(
      fc.property(
        numberColumnRecords.chain((records) => fc.tuple(fc.constant(records), queryFrom(records))),
        ([records, query]) => expectNoFalseNegative(records, query),
      ),
      { numRuns: 1000 },
    );
  }, 180_000);

  it("finds numbers exactly through the lean index and number tests (property)", () => {
    fc.assert(
      fc.property(
        numberColumnRecords.chain((records) => fc.tuple(fc.constant(records), digitQueryFrom(records))),
        ([records, query]) => expectNoFalseNegative(records, query),
      ),
      { numRuns: 1500, seed: 18 },
    );
    fc.assert(
      fc.property(
        arbitraryRecords.chain((records) => fc.tuple(fc.constant(records), digitQueryFrom(records))),
        ([records, query]) => expectNoFalseNegative(records, query),
      ),
      { numRuns: 1000, seed: 18 },
    );
  }, 180_000);

  it("tests rows on their numbers only where a number column must supply the word", () => {
    const base = apiRecord({ template: "req <*> took <*>ms id<*>" });
    const records = Array.from({ length: 60 }, (_, i) => ({
      ...base,
      message: `req ${900_000 + i * 13} took ${i % 50}ms id${7000 + i}`,
    }));
    const segment = encodeSegment(1, records);
    const ix = readSearchIndex(segment);
    const plan = planSegment(ix, { text: "900013" });
    // Only the first wildcard can be 900013 (the others' ranges cannot), and only where it is.
    const test = plan?.numberTests?.[0]?.[0];
    expect(test?.map((v) => v !== null)).toEqual([true, false, false]);
    expect(searchSegment(segment, { text: "900013" }).map((r) => r.ref)).toEqual([2]);
    expect(searchSegment(segment, { text: "id7005" }).map((r) => r.ref)).toEqual([6]);
    expect(searchSegment(segment, { text: "id700" }).map((r) => r.ref)).toEqual(
      records.flatMap((r, k) => (/ id700\d$/.test(r.message) ? [k + 1] : [])),
    );
    // The static text holds "took": no number test for it.
    expect(planSegment(ix, { text: "took" })?.numberTests).toBeUndefined();
    const lean = readLeanIndex(segment);
    expect(searchSegment(segment, { text: "900013" }, lean).map((r) => r.ref)).toEqual([2]);
    expect(segmentMayMatch(lean, { text: "12345678" })).toBe(false);
  });

  it("a lean index rules a word out of values with other characters by their folded text", () => {
    const base = apiRecord({ template: "user <*> logged in" });
    const records = ["josé", "Zoë", "café"].map((v) => ({ ...base, message: `user ${v} logged in` }));
    const segment = encodeSegment(1, records);
    const lean = readLeanIndex(segment);
    // Letters the values' bytes do not hold as ASCII, found where folding makes them.
    expect(searchSegment(segment, { text: "cafe" }, lean).map((r) => r.message)).toEqual([
      "user café logged in",
    ]);
    expect(searchSegment(segment, { text: "jose" }, lean).map((r) => r.message)).toEqual([
      "user josé logged in",
    ]);
    // A word no value holds even folded: the segment is ruled out unread (it was kept for any such word).
    expect(segmentMayMatch(lean, { text: "mallory" })).toBe(false);
  });

  it("marks the entries whose static text holds the words: their rows match unread", () => {
    const at = (k: number) => `2026-01-01T00:00:0${k}.000Z`;
    const records = [
      apiRecord({
        templateId: "a",
        template: "Failed password for <*>",
        message: "Failed password for root",
      }),
      apiRecord({ templateId: "b", template: "login <*>failed", message: "login xfailed" }),
      apiRecord({ templateId: "c", template: "<*> failed", message: "it failed" }),
    ].map((r, k) => ({ ...r, timestamp: at(k) }));
    const segment = encodeSegment(1, records);
    for (const ix of [readSearchIndex(segment), readLeanIndex(segment)]) {
      const entry = (id: string) => ix.meta.templates.findIndex((t) => t.templateId === id);
      const plan = planSegment(ix, { text: "failed" })!;
      // `a` holds the word between boundaries; `b`'s touches a wildcard on its left, `c`'s is bounded.
      expect(plan.sure?.[entry("a")]).toBe(true);
      expect(plan.sure?.[entry("b")]).toBe(false);
      expect(plan.sure?.[entry("c")]).toBe(true);
      expect(searchSegment(segment, { text: "failed" }, ix).map((r) => r.message)).toEqual([
        "Failed password for root",
        "it failed",
      ]);
    }
  });

  it("finds a word with letters and digits in values whose other characters fold to letters", () => {
    const base = apiRecord({ template: "id <*> done" });
    const values = ["ÉTÉ9", "Été10", "plain7", "İd42", "caFÉ5"];
    const records = values.map((v, i) => ({
      ...base,
      message: `id ${v} done`,
      timestamp: `2026-01-01T00:00:0${i}.000Z`,
    }));
    // A message no template fits is kept verbatim, with the same kind of word.
    records.push({ ...base, template: null, templateId: null, message: "ÀB12 left" });
    const segment = encodeSegment(1, records);
    const lean = readLeanIndex(segment);
    for (const text of ["ete9", "ete1", "plain7", "id42", "cafe5", "ab12", "ab1"]) {
      const want = decodeSegment(segment).filter(recordMatcher({ text }));
      expect(want.length, text).toBeGreaterThan(0);
      expect(searchSegment(segment, { text }, lean), text).toEqual(want);
    }
  });

  it("sees words that span a template's static text and a value", () => {
    const base = apiRecord({ template: "login user<*> from <*>-<*>" });
    // Numbers: 40 distinct values make the wildcards number columns.
    const records = Array.from({ length: 40 }, (_, i) => ({
      ...base,
      message: `login user${1000 + i} from ${i * 7}-x${i}`,
    }));
    const ix = readSearchIndex(encodeSegment(1, records));
    const may = (text: string) => segmentMayMatch(ix, { text });
    expect(may("user1005")).toBe(true);
    expect(may("USER10")).toBe(true);
    expect(may("from 14")).toBe(true);
    expect(may("x3")).toBe(true);
    expect(may("user")).toBe(true);
    expect(may("user9999 from")).toBe(false);
    expect(may("nothing")).toBe(false);
    expect(may("logi")).toBe(true);
    expect(may("logi user1001")).toBe(false);
  });

  it("prunes by metadata", () => {
    const records = loghubRecords("HDFS").slice(0, 500);
    const ix = readSearchIndex(encodeSegment(1, records));
    expect(segmentMayMatch(ix, { service: "nope" })).toBe(false);
    expect(segmentMayMatch(ix, { service: "HDFS" })).toBe(true);
    const worst = Math.max(...records.map((r) => r.severityNumber));
    expect(segmentMayMatch(ix, { service: "HDFS", minSeverityNumber: worst })).toBe(true);
    expect(segmentMayMatch(ix, { service: "HDFS", minSeverityNumber: worst + 1 })).toBe(false);
    expect(segmentMayMatch(ix, { since: "2100-01-01T00:00:00.000Z" })).toBe(false);
    expect(segmentMayMatch(ix, { until: "1990-01-01T00:00:00.000Z" })).toBe(false);
    expect(segmentMayMatch(ix, { templateId: "no-such-template" })).toBe(false);
    expect(segmentMayMatch(ix, { text: "zzzunknownword" })).toBe(false);
    expect(segmentMayMatch(ix, { text: "!!!" })).toBe(false);
  });

  it.each(["HDFS", "OpenSSH", "Apache", "BGL"])(
    "has no false negative for any word of LogHub %s (whole and as a prefix)",
    (dataset) => {
      const records = loghubRecords(dataset);
      const segment = encodeSegment(1, records);
      const ix = readSearchIndex(segment);
      const words = new Set(records.flatMap((r) => foldedWords(r.message)));
      // Every word and prefix the prefilter turned down, at once (an expect per word cost more than the check).
      const missed: string[] = [];
      for (const w of words) {
        if (!segmentMayMatch(ix, { text: w })) missed.push(w);
        if (w.length > 2 && !segmentMayMatch(ix, { text: w.slice(0, -1) })) missed.push(w.slice(0, -1));
      }
      expect(missed).toEqual([]);
      // Words with digits through the lean index: searchSegment finds what the matcher finds.
      const lean = readLeanIndex(segment);
      const all = decodeSegment(segment);
      const numbered = [...words].filter((w) => /[0-9]/.test(w) && /^[0-9a-z]+$/.test(w));
      const step = Math.max(1, Math.floor(numbered.length / 40));
      for (const w of numbered.filter((_, k) => k % step === 0)) {
        for (const text of [w, w.slice(0, Math.max(1, w.length - 2))]) {
          const want = all.filter(recordMatcher({ text }));
          expect(searchSegment(segment, { text }, lean), text).toEqual(want);
          expect(searchSegment(segment, { text }, ix), text).toEqual(want);
        }
      }
    },
    120_000,
  );
});
