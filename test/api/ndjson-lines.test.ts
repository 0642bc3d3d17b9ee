import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseNdjsonLines } from "../../src/api/routes/ndjson-lines.js";
import { UserError } from "../../src/core/errors.js";
import { parseJson } from "../../src/core/json.js";
import { binaryString } from "../helpers/binary-string.js";

/** What `/ingest`'s NDJSON parser did before it read lines from the bytes: decode all, split, trim, parse. */
function viaWholeText(body: Buffer): unknown[] {
  const logs: unknown[] = [];
  const lines = body.toString("utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    try {
      logs.push(parseJson(line));
    } catch (error) {
      throw new UserError(
        `line ${i + 1} is not valid JSON: ${(error as Error).message}`,
        "invalid_json",
        400,
      );
    }
  }
  return logs;
}

/** The value, or the error's status, code and message: both parsers must agree on either. */
function outcome(parse: (body: Buffer) => unknown[], body: Buffer): unknown {
  try {
    return { values: parse(body) };
  } catch (error) {
    const e = error as UserError;
    return { status: e.statusCode, code: e.code, message: e.message };
  }
}

// Bytes that make lines interesting: newlines, CR, blanks, BOMs, NBSP, multi-byte UTF-8, and malformed
// UTF-8 (a lone continuation byte, a cut-off sequence right before a newline, an overlong form).
const pieces = fc.constantFrom(
  Buffer.from("\n"),
  Buffer.from("\r\n"),
  Buffer.from("\r"),
  Buffer.from("   "),
  Buffer.from("\t"),
  Buffer.from("\ufeff"),
  Buffer.from("\u00a0"),
  Buffer.from("\u2028"),
  Buffer.from('{"message":"é ✓ 😀"}'),
  Buffer.from('{"message":"plain","metadata":{"n":1}}'),
  Buffer.from("[1,2]"),
  Buffer.from("not json"),
  Buffer.from("{"),
  Buffer.from('"'),
  Buffer.from([0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xf0, 0x9f, 0x98]),
  Buffer.from("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["),
);

describe("parseNdjsonLines", () => {
  it("gives what decoding the whole body, splitting at newlines and parsing each trimmed line gave (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.uint8Array({ maxLength: 6 })), { maxLength: 40 }), (parts) => {
        const body = Buffer.concat(parts.map((p) => Buffer.from(p)));
        expect(outcome(parseNdjsonLines, body)).toEqual(outcome(viaWholeText, body));
      }),
      { numRuns: 5_000, seed: 18 },
    );
  });

  it("agrees on JSON lines of random text, CRLF endings, blank lines and a missing last newline (property)", () => {
    const line = fc.oneof(
      binaryString({ maxLength: 30 }).map((message) => JSON.stringify({ message })),
      fc.constantFrom("", " ", "\r", "{}", "null"),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 20 }),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        (lines, eol, last) => {
          const body = Buffer.from(lines.join(eol) + (last ? eol : ""));
          expect(outcome(parseNdjsonLines, body)).toEqual(outcome(viaWholeText, body));
        },
      ),
      { numRuns: 3_000, seed: 18 },
    );
  });

  it("reads huge lines and names the first bad line by its number", () => {
    const huge = JSON.stringify({ message: "x".repeat(3_000_000) });
    const body = Buffer.from(`${huge}\n\n${huge}\r\n{"message": nope}\n{"message":"after"}`);
    expect(outcome(parseNdjsonLines, body)).toEqual(outcome(viaWholeText, body));
    expect(() => parseNdjsonLines(body)).toThrow(/^line 4 is not valid JSON: /);
    expect(parseNdjsonLines(Buffer.from(`${huge}\n${huge}`))).toHaveLength(2);
  });

  it("refuses JSON nested deeper than the limit as invalid JSON, and an empty body gives no values", () => {
    expect(() =>
      parseNdjsonLines(Buffer.from(`{"message":"a"}\n${"[".repeat(200)}${"]".repeat(200)}`)),
    ).toThrow(/^line 2 is not valid JSON: JSON nested deeper than 128 levels/);
    expect(parseNdjsonLines(Buffer.alloc(0))).toEqual([]);
    expect(parseNdjsonLines(Buffer.from("\n \r\n"))).toEqual([]);
  });
});
