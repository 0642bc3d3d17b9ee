import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIsoTimestamp, parseTimestamp } from "../../../src/core/time.js";
import {
  formatIsoUtc,
  isCanonicalIso,
  isoFromText,
  parseIsoFast,
} from "../../../src/parsers/decoders/iso-time.js";
import { epochToMs } from "../../../src/parsers/decoders/timestamp-value.js";
import { canonicalShapedIsoTexts } from "../../helpers/iso-texts.js";

describe("iso-time fast path agrees with parseTimestamp", () => {
  it.each([
    "2026-01-05T09:30:00Z",
    "2026-01-05T09:30:00.123Z",
    "2026-01-05t09:30:00.1z",
    "2026-01-05 09:30",
    "2026-01-05T09:30:00.123456789+05:45",
    "2026-01-05T09:30:00-0800",
    "2026-01-05T09:30:00+01",
    "2026-01-05T09:30:00,5 Z",
    "2024-02-29T23:59:59.9995Z",
    "1999-12-31T23:59:59Z",
  ])("%s", (text) => {
    expect(parseIsoFast(text)).toBe(parseTimestamp(text));
  });

  it.each([
    "2026-02-30T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-05T09:30:60Z",
    "2026-01-05T09:30:00 UTC",
    "short",
    // A non-digit in any place of the year, the last included: "202X" was read as 1999.
    "202X-01-01T00:00:00Z",
    "20X6-01-01T00:00:00Z",
    "2X26-01-01T00:00:00Z",
    "X026-01-01T00:00:00Z",
  ])("leaves %s to parseTimestamp", (text) => {
    expect(parseIsoFast(text)).toBeUndefined();
  });

  it.each([
    ["0050-01-01T00:00:00Z", "0050-01-01T00:00:00.000Z"],
    ["0000-02-29T12:00:00.5+01:00", "0000-02-29T11:00:00.500Z"],
    ["0099-12-31 23:59:59", "0099-12-31T23:59:59.000Z"],
    ["0100-03-01T00:00:00Z", "0100-03-01T00:00:00.000Z"],
  ])("reads the year of %s as written, not as 19xx (Date.UTC's reading of years 0-99)", (text, iso) => {
    expect(new Date(parseTimestamp(text)!).toISOString()).toBe(iso);
    expect(parseIsoFast(text)).toBe(parseTimestamp(text));
    expect(parseTimestamp(text)).toBe(Date.parse(iso));
  });

  it("parseTimestamp reads a date alone as UTC midnight and refuses an impossible one", () => {
    expect(parseTimestamp("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    // Date.parse, the fallback for other shapes, would roll it over into 3 March.
    expect(parseTimestamp("2025-02-31")).toBeNull();
    expect(parseTimestamp("2025-01-01T00:00:00+25:00")).toBeNull();
  });

  it("parseIsoTimestamp, the API's and CLI's reading, takes ISO-8601 only", () => {
    expect(parseIsoTimestamp("2025-03-03")).toBe(Date.UTC(2025, 2, 3));
    expect(parseIsoTimestamp("2025-03-03 10:00:00+01:00")).toBe(Date.UTC(2025, 2, 3, 9));
    expect(parseIsoTimestamp("2025-02-31")).toBeNull();
    // Date.parse, parseTimestamp's fallback for other shapes, would read these.
    expect(parseTimestamp("March 3, 2025")).not.toBeNull();
    expect(parseIsoTimestamp("March 3, 2025")).toBeNull();
    expect(parseIsoTimestamp("12")).toBeNull();
  });

  it("formatIsoUtc matches toISOString", () => {
    for (const ms of [0, 1, 999, 1718374561123, 253402300799999, -1, 253402300800000]) {
      expect(formatIsoUtc(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it("isoFromText returns canonical text as is and normalises the rest", () => {
    const canonical = "2026-01-05T09:30:00.000Z";
    expect(isoFromText(canonical)).toBe(canonical);
    expect(isoFromText("2026-01-05T10:30:00+01:00")).toBe(canonical);
    expect(isoFromText("nonsense")).toBeNull();
  });
});

describe("epochToMs", () => {
  it.each([
    [1718374561, 1718374561000],
    [1718374561123, 1718374561123],
    [1718374561123456, 1718374561123],
    [1.718374561123457e18, 1718374561123],
    [0, null],
    [-5, null],
    [Number.NaN, null],
  ])("%d", (n, ms) => {
    expect(epochToMs(n)).toBe(ms);
  });

  it("ns unit regardless of magnitude", () => {
    expect(epochToMs(5_000_000, "ns")).toBe(5);
  });
});

describe("parseTimestamp refuses out-of-range fields instead of rolling them over", () => {
  it.each([
    "2026-13-45T99:00:00Z",
    "2026-00-10T00:00:00Z",
    "2026-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-01-01T25:00:00Z",
    "2026-01-01T24:00:01Z",
    "2026-01-01T10:60:00Z",
    "2026-01-01T10:00:61Z",
    "2026-01-01T10:00:00+25:00",
    "2026-01-01T10:00:00+05:75",
  ])("%s is no time", (text) => {
    expect(parseTimestamp(text)).toBeNull();
    expect(isoFromText(text)).toBeNull();
  });

  it.each([
    ["2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"],
    ["2000-02-29 00:00", "2000-02-29T00:00:00.000Z"],
    ["2026-01-01T24:00:00Z", "2026-01-02T00:00:00.000Z"],
    ["2026-06-30T23:59:60Z", "2026-07-01T00:00:00.000Z"],
    ["2026-01-01T10:00:00+14:00", "2025-12-31T20:00:00.000Z"],
  ])("%s is %s", (text, iso) => {
    expect(isoFromText(text)).toBe(iso);
  });
});

describe("isCanonicalIso", () => {
  /** The rule as it was written before it shared core/time's reader: the shape, then the fast path. */
  function shapeThenFastPath(s: string): boolean {
    const digit = (i: number) => s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;
    return (
      s.length === 24 &&
      s.charCodeAt(23) === 0x5a &&
      s.charCodeAt(19) === 0x2e &&
      s.charCodeAt(10) === 0x54 &&
      digit(20) &&
      digit(21) &&
      digit(22) &&
      parseIsoFast(s) !== undefined
    );
  }

  it("accepts what the shape check and the fast path accepted, and nothing else (property)", () => {
    // Canonical texts with one character replaced: a separator, a digit, the zone, any place.
    const edited = fc
      .tuple(canonicalShapedIsoTexts, fc.integer({ min: 0, max: 23 }), fc.constantFrom(..."0189X-:.TtZz +,"))
      .map(([text, i, c]) => text.slice(0, i) + c + text.slice(i + 1));
    fc.assert(
      fc.property(fc.oneof(canonicalShapedIsoTexts, edited, fc.string({ maxLength: 30 })), (text) => {
        expect(isCanonicalIso(text), text).toBe(shapeThenFastPath(text));
      }),
      { numRuns: 20_000 },
    );
  });
});
