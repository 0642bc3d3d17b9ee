import { describe, expect, it } from "vitest";
import {
  cutLine,
  cutMark,
  holdLine,
  LINE_BYTES,
  LINE_CUT,
  lineTooLong,
  markedCut,
  noteLineCut,
  overLimit,
  utf8Bytes,
  utf8Prefix,
} from "../../src/core/line-limit.js";
import type { LogRecord } from "../../src/core/log-record.js";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

describe("the line limit", () => {
  it("counts UTF-8 bytes as Buffer does, pairs and lone surrogates included", () => {
    for (const s of ["", "abc", "é", "€", "🎉", "a🎉b€é", "\ud800", "x\udc00y", "\ud83c"])
      expect(utf8Bytes(s), JSON.stringify(s)).toBe(bytes(s));
  });

  it("leaves a line within the limit alone", () => {
    expect(cutLine("x".repeat(1024), 1024)).toBeNull();
    expect(cutLine("é".repeat(512), 1024)).toBeNull();
    expect(overLimit("é".repeat(513), 1024)).toBe(true);
  });

  it("cuts at a character boundary, ends with the mark, and stays within the limit", () => {
    const line = `start ${"é🎉x".repeat(200_000)}`;
    const cut = cutLine(line, 4096)!;
    expect(cut.originalBytes).toBe(bytes(line));
    expect(bytes(cut.text)).toBeLessThanOrEqual(4096);
    expect(bytes(cut.text)).toBeGreaterThan(4090);
    expect(cut.text.endsWith(cutMark(bytes(line), 4096))).toBe(true);
    expect(cut.text).not.toContain("\ufffd");
    const kept = cut.text.slice(0, -cutMark(bytes(line), 4096).length);
    expect(line.startsWith(kept)).toBe(true);
    // No half of a surrogate pair left at the end of what was kept.
    const last = kept.charCodeAt(kept.length - 1);
    expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
  });

  it("cuts a 12 MB line in well under a second", () => {
    const line = "a".repeat(12 * 1024 * 1024);
    const t0 = performance.now();
    const cut = cutLine(line, 256 * 1024)!;
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(bytes(cut.text)).toBe(256 * 1024);
    expect(cut.text).toContain("line of 12582912 bytes, MAX_LINE_BYTES is 262144]");
  });

  it("reads back the cut a reader made, with or without the line's length", () => {
    const known = cutLine("y".repeat(5_000), 1024, 5_000)!;
    expect(markedCut(known.text, 1024)).toEqual({ text: known.text, originalBytes: 5_000 });
    const unknown = cutLine("y".repeat(1_100), 1024, null)!;
    expect(unknown.text).toContain("more than 1024 bytes");
    expect(markedCut(unknown.text, 1024)).toEqual({ text: unknown.text, originalBytes: null });
    expect(holdLine(known.text, 1024)).toEqual({
      text: known.text,
      cut: { text: known.text, originalBytes: 5_000 },
    });
    // Another limit's mark, or none, is no cut.
    expect(markedCut(known.text, 2048)).toBeNull();
    expect(holdLine("plain line", 1024)).toEqual({ text: "plain line", cut: null });
  });

  it("flags the record and words the refusal", () => {
    const record = { attributes: {} } as LogRecord;
    noteLineCut(record, { text: "", originalBytes: 12 });
    expect(record.attributes).toEqual({ [LINE_CUT]: true, [LINE_BYTES]: 12 });
    const error = lineTooLong(12_582_912, 262_144, "log 3");
    expect(error.statusCode).toBe(413);
    expect(error.code).toBe("line_too_long");
    expect(error.message).toContain("log 3: a line of 12582912 bytes is longer than MAX_LINE_BYTES (262144)");
  });

  it("takes the longest prefix that fits", () => {
    expect(utf8Prefix("ab🎉", 5)).toBe("ab");
    expect(utf8Prefix("ab🎉", 6)).toBe("ab🎉");
    expect(utf8Prefix("éé", 3)).toBe("é");
  });
});
