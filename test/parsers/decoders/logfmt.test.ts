import { describe, expect, it } from "vitest";
import { decodeLogfmt, parseLogfmt } from "../../../src/parsers/decoders/logfmt.js";

const ctx = { observedAt: "2026-01-10T00:00:00.000Z" };

describe("parseLogfmt", () => {
  it.each([
    ["simple", "a=1 b=two", { a: "1", b: "two" }],
    ["quoted with spaces", 'msg="hello world" a=1', { msg: "hello world", a: "1" }],
    ["escaped quote and backslash", 'msg="say \\"hi\\" \\\\ bye" a=1', { msg: 'say "hi" \\ bye', a: "1" }],
    ["\\n \\t \\u escapes", 'msg="a\\nb\\tc\\u00e9" a=1', { msg: "a\nb\tc\u00e9", a: "1" }],
    ["empty values", 'a= b="" c=1', { a: "", b: "", c: "1" }],
    ["bare key is true", "level=warn msg=slow retry", { level: "warn", msg: "slow", retry: "true" }],
    ["value containing =", "q=a=b c=1", { q: "a=b", c: "1" }],
    ["dotted and dashed keys", "http.status=200 trace-id=ab", { "http.status": "200", "trace-id": "ab" }],
    ["tabs and extra spaces", "a=1 \t  b=2  ", { a: "1", b: "2" }],
    ["last of a repeated key", "a=1 a=2", { a: "2" }],
  ])("%s", (_name, line, expected) => {
    expect(parseLogfmt(line)).toEqual(expected);
  });

  it.each([
    ["one pair", "a=1"],
    ["prose with one pair", "Failed password for root from 1.2.3.4 port=22"],
    ["prose with two pairs but mostly words", "the quick brown fox jumped over a=1 b=2 lazy dogs today"],
    ["unterminated quote", 'a="open b=2'],
    ["punctuation", "[INFO] a=1 b=2"],
    ["text after a quote", 'a="x"y b=2'],
    ["key starting with a digit", "1a=1 b=2"],
    ["empty", ""],
    ["URL query", "GET /x?a=1&b=2 HTTP/1.1"],
  ])("not logfmt: %s", (_name, line) => {
    expect(parseLogfmt(line)).toBeNull();
  });
});

describe("decodeLogfmt", () => {
  it("maps msg, level, time, service; other pairs are string attributes", () => {
    const r = decodeLogfmt('time=2026-01-05T09:30:00Z level=warn service=api msg="slow query" dur=1.2s', ctx);
    expect(r).toEqual({
      timestamp: "2026-01-05T09:30:00.000Z",
      observedTimestamp: ctx.observedAt,
      severityText: "warn",
      severityNumber: 13,
      body: "slow query",
      attributes: { dur: "1.2s" },
      resource: { "service.name": "api" },
    });
  });

  it("epoch ts", () => {
    expect(decodeLogfmt("ts=1718374561.5 lvl=info msg=x", ctx)?.timestamp).toBe("2024-06-14T14:16:01.500Z");
  });

  it("without msg the whole line is the body", () => {
    const line = "method=GET path=/ status=200";
    expect(decodeLogfmt(line, ctx)?.body).toBe(line);
  });
});
