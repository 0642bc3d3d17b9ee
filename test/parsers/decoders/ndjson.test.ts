import { describe, expect, it } from "vitest";
import { decodeBody, parseJsonBody, parseNdjson } from "../../../src/parsers/decoders/ndjson.js";

const ctx = { observedAt: "2026-01-10T00:00:00.000Z" };

describe("parseJsonBody", () => {
  it.each([
    ["array", '[{"a":1},{"a":2}]', undefined, "array", 2],
    ["single object", '{"message":"x"}', undefined, "object", 1],
    ["logs wrapper", '{"logs":[{"a":1},{"a":2},{"a":3}]}', undefined, "logs", 3],
    ["NDJSON by shape", '{"a":1}\n{"a":2}\n', undefined, "ndjson", 2],
    ["NDJSON by content type", '{"a":1}', "application/x-ndjson; charset=utf-8", "ndjson", 1],
    ["empty", "  \n ", undefined, "empty", 0],
    ["empty array", "[]", undefined, "array", 0],
  ] as const)("%s", (_name, text, type, shape, count) => {
    const body = parseJsonBody(text, type);
    expect(body.shape).toBe(shape);
    expect(body.objects).toHaveLength(count);
    expect(body.errors).toEqual([]);
  });

  it("non-object array elements are reported by index", () => {
    const body = parseJsonBody('[{"a":1}, 2, "x", {"a":3}]');
    expect(body.objects).toEqual([{ a: 1 }, { a: 3 }]);
    expect(body.errors).toEqual([
      { index: 1, message: "expected a JSON object" },
      { index: 2, message: "expected a JSON object" },
    ]);
  });

  it("a broken pretty-printed document is one error, not one per line", () => {
    const body = parseJsonBody('[\n  {"a": 1},\n  {"a": }\n]');
    expect(body.objects).toEqual([]);
    expect(body.errors).toHaveLength(1);
  });

  it("the error carries the line when the parser reports a position", () => {
    const body = parseJsonBody('{\n  "a": 1,\n  "b" 2\n}');
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]?.line).toBe(3);
  });

  it("a JSON scalar is an error", () => {
    expect(parseJsonBody("42").errors).toEqual([{ message: "expected a JSON object or array" }]);
  });
});

describe("parseNdjson", () => {
  it("a bad line is reported with its number; the others still count", () => {
    const body = parseNdjson('{"a":1}\r\n\n{bad json\n[1]\n{"a":2}');
    expect(body.objects).toEqual([{ a: 1 }, { a: 2 }]);
    expect(body.errors.map((e) => e.line)).toEqual([3, 4]);
    expect(body.errors[1]?.message).toBe("expected a JSON object");
  });
});

describe("decodeBody", () => {
  it("JSON array to records (system 004 shape)", () => {
    const { records, errors } = decodeBody(
      '[{"timestamp":"2025-04-03T14:22:10+02:00","service":"auth","level":"ERROR","message":"invalid password","metadata":{"ip":"10.0.0.12"}}]',
      ctx,
      "application/json",
    );
    expect(errors).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ body: "invalid password", resource: { "service.name": "auth" } });
  });

  it("NDJSON with a bad line", () => {
    const { records, errors } = decodeBody('{"msg":"a"}\nnope\n{"msg":"b"}\n', ctx);
    expect(records.map((r) => r.body)).toEqual(["a", "b"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(2);
  });

  it("text/plain is read as log lines, stack traces grouped", () => {
    const { records } = decodeBody(
      "Jan  5 01:02:03 host app: hi\nboom\n\tat x(Y.java:1)\n",
      ctx,
      "text/plain",
    );
    expect(records.map((r) => r.body)).toEqual(["hi", "boom\n\tat x(Y.java:1)"]);
  });

  it("no content type and no JSON shape: log lines", () => {
    expect(decodeBody("a=1 b=2\n", ctx).records[0]?.attributes).toEqual({ a: "1", b: "2" });
  });

  it("empty body", () => {
    expect(decodeBody("", ctx)).toEqual({ records: [], errors: [] });
    expect(decodeBody("", ctx, "application/json")).toEqual({ records: [], errors: [] });
  });
});
