import { describe, expect, it } from "vitest";
import { END, NextKeyModel, START } from "../../../../src/detectors/sequence/model/index.js";

const normal = ["open", "read", "read", "close"];
const other = ["open", "write", "close"];
const training = [normal, normal, normal, other, other];

/** Strict settings for tiny sessions: one accepted key, no length margin. */
function model(options = {}) {
  return new NextKeyModel({
    historyLength: 2,
    topG: 1,
    padCandidates: false,
    endHistoryLength: null,
    lengthMargin: null,
    countMargin: null,
    ...options,
  }).train(training);
}

describe("NextKeyModel", () => {
  it("does not flag a normal session", () => {
    const v = model({ topG: 2 }).detect(normal);
    expect(v.anomalous).toBe(false);
    expect(v.score).toBeLessThan(0.5);
    expect(v.reasons).toEqual([]);
    expect(v.firstViolation).toBeNull();
  });

  it("flags a key never seen in training", () => {
    const v = model({ topG: 2 }).detect(["open", "read", "chmod", "close"]);
    expect(v.anomalous).toBe(true);
    expect(v.score).toBe(1);
    expect(v.reasons[0]).toEqual({ kind: "unseen_key", position: 2, key: "chmod" });
    expect(v.firstViolation?.observed).toBe("chmod");
    expect(v.firstViolation?.history).toEqual(["open", "read"]);
    // Without padding only what followed "open read" is offered.
    expect(v.firstViolation?.expected).toEqual([{ key: "read", probability: 1, historyLength: 2 }]);
  });

  it("flags a key out of order and says what was expected", () => {
    const v = model({ topG: 1 }).detect(["read", "open", "read", "close"]);
    expect(v.anomalous).toBe(true);
    expect(v.firstViolation).toMatchObject({ position: 0, history: [START, START], observed: "read" });
    expect(v.firstViolation?.expected).toEqual([{ key: "open", probability: 1, historyLength: 2 }]);
    expect(v.reasons[0]).toEqual({ kind: "unexpected_key", position: 0, key: "read" });
  });

  it("flags a truncated session through the end token", () => {
    const v = model({ topG: 2 }).detect(["open", "read", "read"]);
    expect(v.anomalous).toBe(true);
    expect(v.reasons).toEqual([{ kind: "unexpected_end", position: 3 }]);
    expect(v.firstViolation?.observed).toBe(END);
    expect(v.firstViolation?.expected.map((e) => e.key)).toEqual(["close"]);
  });

  it("flags implausible lengths with the margin", () => {
    const long = ["open", ...Array<string>(10).fill("read"), "close"];
    const m = model({ topG: 3, padCandidates: true, lengthMargin: 0.5 });
    expect(m.lengthRange).toEqual({ min: 3, max: 4 });
    expect(m.detect(long).reasons[0]).toEqual({ kind: "too_long", length: 12, maxLength: 6 });
    expect(m.detect(["open", "read", "read", "read", "read", "close"]).reasons).toEqual([]);
    const short = model({ topG: 3, lengthMargin: 0 }).detect(["open", "close"]);
    expect(short.reasons[0]).toEqual({ kind: "too_short", length: 2, minLength: 3 });
  });

  it("backs off to the longest seen history, and pads from shorter ones", () => {
    // "write read" never occurs, so the history for the key after it backs off to "read".
    const strict = model({ topG: 3 });
    const v = strict.detect(["open", "write", "read", "close"]);
    expect(v.firstViolation).toMatchObject({ position: 2, history: ["open", "write"], observed: "read" });
    expect(v.violations).toBe(1); // "close" after "read" is accepted by backing off to history "read"
    // With padding the list is filled from the one-key and empty histories up to g.
    const padded = model({ topG: 3, padCandidates: true }).detect(["open", "write", "read", "close"]);
    expect(padded.anomalous).toBe(false);
    // "<start> open" offers read and write; the empty history fills the third place: after read
    // (6) come END, open and close (5 each), and ties go to the earliest id, END's.
    const look = model({ topG: 3, padCandidates: true }).detect(["open", "open"]);
    expect(look.firstViolation?.expected.map((e) => [e.key, e.historyLength])).toEqual([
      ["read", 2],
      ["write", 2],
      [END, 0],
    ]);
  });

  it("judges the end with its own short history, never padded", () => {
    // Padding would accept END after "read" (END is frequent overall); the end rule does not.
    const m = model({ topG: 4, padCandidates: true });
    expect(m.detect(["open", "read"]).anomalous).toBe(false);
    expect(m.withOptions({ endHistoryLength: 1 }).detect(["open", "read"]).reasons).toEqual([
      { kind: "unexpected_end", position: 2 },
    ]);
  });

  it("flags a key occurring more or fewer times than in any training session", () => {
    const m = model({ topG: 3, padCandidates: true, countMargin: 0 });
    // "read" occurs 0–2 times in training, "open" and "close" exactly once.
    expect(m.detect(["open", "read", "read", "close"]).anomalous).toBe(false);
    const v = m.detect(["open", "read", "read", "read", "close"]);
    expect(v.anomalous).toBe(true);
    expect(v.reasons).toContainEqual({ kind: "key_count", key: "read", count: 3, min: 0, max: 2 });
    expect(m.detect(["read", "close"]).reasons).toContainEqual({
      kind: "key_count",
      key: "open",
      count: 0,
      min: 1,
      max: 1,
    });
    expect(
      m.withOptions({ countMargin: 0.5 }).detect(["open", "read", "read", "read", "close"]).anomalous,
    ).toBe(false);
  });

  it("round-trips through JSON", () => {
    const m = model({ historyLength: 3, topG: 2, lengthMargin: 0.2, countMargin: 0 });
    const copy = NextKeyModel.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(copy.options).toEqual(m.options);
    expect(copy.vocabulary).toEqual(m.vocabulary);
    for (const s of [normal, other, ["open", "read"], ["x"], ["read", "open", "close"]])
      expect(copy.detect(s)).toEqual(m.detect(s));
    expect(() => NextKeyModel.fromJSON({ ...(m.toJSON() as object), version: 99 })).toThrow(/version 99/);
    expect(() => NextKeyModel.fromJSON({ format: "other" })).toThrow(/not a/);
  });

  it("sweeps detection settings over shared counts, within the trained depth", () => {
    const m = model({ historyLength: 3 });
    expect(m.withOptions({ historyLength: 1 }).depth).toBe(3);
    expect(() => m.withOptions({ historyLength: 4 })).toThrow(/trained depth/);
    expect(() => new NextKeyModel({ topG: 0 })).toThrow(/topG/);
    expect(() => new NextKeyModel().detect(normal)).toThrow(/before train/);
  });
});
