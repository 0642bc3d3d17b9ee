import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  budgetExcess,
  CUT_MARK,
  cutToBudget,
  DECODE_NOTE,
  INPUT_BUDGET,
} from "../../src/core/input-budget.js";
import type { JsonObject, JsonValue } from "../../src/core/json.js";
import { decodeLine, recordFromObject } from "../../src/parsers/decoders/index.js";

const ctx = { observedAt: "2026-02-01T10:00:00.000Z" };
const nested = (levels: number): JsonValue => {
  let v: JsonValue = [];
  for (let i = 0; i < levels; i++) v = [v];
  return v;
};
const depthOf = (v: JsonValue): number =>
  typeof v !== "object" || v === null ? 0 : 1 + Math.max(0, ...Object.values(v).map(depthOf));

describe("the input budget", () => {
  it("passes values inside it untouched and names what is past it", () => {
    expect(budgetExcess({ a: [1, 2, { b: "c" }] })).toBeNull();
    expect(budgetExcess(nested(INPUT_BUDGET.depth - 1))).toBeNull();
    expect(budgetExcess(nested(INPUT_BUDGET.depth + 1))).toBe("nested deeper than 128 levels");
    expect(budgetExcess({ a: Array.from({ length: 10_001 }, () => 1) })).toBe("more than 10000 elements");
    // 50,000 levels: the walk stops at the limit instead of overflowing the stack.
    expect(budgetExcess(nested(50_000))).toBe("nested deeper than 128 levels");
  });

  it("cuts a value to the budget, keeping an object's scalar fields before what nests beside them", () => {
    const line = {
      tags: Array.from({ length: 10_001 }, () => "t"),
      time: "2026-02-01T09:30:00Z",
      msg: "login failed",
      deep: nested(5_000),
    };
    const cut = cutToBudget(line as JsonObject);
    expect(budgetExcess(cut)).toBeNull();
    expect(Object.keys(cut)).toEqual(["tags", "time", "msg", "deep"]);
    expect(cut.time).toBe("2026-02-01T09:30:00Z");
    expect(cut.msg).toBe("login failed");
    expect((cut.tags as JsonValue[]).at(-1)).toBe(CUT_MARK);
    expect(cut.deep).toBe(CUT_MARK);
  });

  it("any value, however deep or wide, is within the budget once cut (property)", () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.string(),
        fc.double(),
        fc.constant(null),
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 3 }), tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 400 }), (v, wrap) => {
        let deep: JsonValue = v as JsonValue;
        for (let i = 0; i < wrap; i++) deep = { k: deep };
        const cut = cutToBudget(deep);
        expect(budgetExcess(cut)).toBeNull();
        expect(depthOf(cut)).toBeLessThanOrEqual(INPUT_BUDGET.depth);
      }),
      { numRuns: 200 },
    );
  });
});

describe("decoding past the budget", () => {
  it("keeps a JSON line nested past it whole, as text, without reading a header inside its strings", () => {
    const line = `{"msg":"login failed","via":"relay Oct 11 22:14:15 gw sshd[7]: ok","a":${"[".repeat(200)}${"]".repeat(200)}}`;
    const record = decodeLine(line, ctx);
    expect(record.body).toBe(line);
    expect(record.timestamp).toBe(ctx.observedAt);
    expect(record.resource["host.name"]).toBeUndefined();
    expect(record.attributes[DECODE_NOTE]).toBe("JSON nested deeper than 128 levels; kept as text");
  });

  it("maps a JSON object with a field past the element budget, keeping the fields after it", () => {
    const line = JSON.stringify({
      time: "2026-02-01T09:30:00Z",
      tags: Array.from({ length: 10_001 }, () => "t"),
      msg: "login failed for alice",
      service: "sshd",
    });
    const record = decodeLine(line, ctx);
    expect(record.body).toBe("login failed for alice");
    expect(record.resource["service.name"]).toBe("sshd");
    expect(record.timestamp).toBe("2026-02-01T09:30:00.000Z");
    expect(record.attributes[DECODE_NOTE]).toBe("more than 10000 elements; the structure past it was cut");
  });

  it("a record made from an object past the budget is stored as JSON without overflowing the stack", () => {
    const deep = JSON.parse(`{"message":"x","a":${"[".repeat(4500)}${"]".repeat(4500)}}`) as JsonObject;
    const record = recordFromObject(deep, ctx);
    expect(() => JSON.stringify(record)).not.toThrow();
    expect(record.body).toBe("x");
  });
});

describe("an object with more keys than the budget", () => {
  it("keeps the fields the decoders know (time, message, service) wherever they stand", () => {
    const obj: JsonObject = {};
    for (let i = 0; i < 20_000; i++) obj[`k${i}`] = i;
    obj.msg = "login failed for bob";
    obj.service = "vpn";
    const record = recordFromObject(obj, ctx);
    expect(record.body).toBe("login failed for bob");
    expect(record.resource["service.name"]).toBe("vpn");
    expect(record.attributes[DECODE_NOTE]).toBe("more than 10000 elements; the structure past it was cut");
  });
});
