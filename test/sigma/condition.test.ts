import { describe, expect, it } from "vitest";
import { parseCondition } from "../../src/sigma/condition.js";
import { Unsupported } from "../../src/sigma/unsupported.js";
import { engineOf, matchedIds, processRule, sysmonEvent } from "./sigma-fixtures.js";

const names = ["selection", "selection_img", "selection_cli", "filter_main", "filter_optional", "_hidden"];

describe("condition parsing", () => {
  it("binds or < and < not < of < parentheses", () => {
    expect(parseCondition("selection or selection_img and not filter_main", names)).toEqual({
      kind: "or",
      args: [
        { kind: "ref", name: "selection" },
        {
          kind: "and",
          args: [
            { kind: "ref", name: "selection_img" },
            { kind: "not", arg: { kind: "ref", name: "filter_main" } },
          ],
        },
      ],
    });
    expect(parseCondition("(selection or selection_img) and selection_cli", names).kind).toBe("and");
  });

  it("expands 1 of / all of over patterns and them (without _names)", () => {
    expect(parseCondition("all of selection_*", names)).toEqual({
      kind: "of",
      quantifier: "all",
      names: ["selection_img", "selection_cli"],
    });
    expect(parseCondition("1 of them", names)).toEqual({
      kind: "of",
      quantifier: "one",
      names: names.filter((n) => n !== "_hidden"),
    });
    expect(parseCondition("all of selection* and not 1 of filter_*", names).kind).toBe("and");
  });

  it("refuses what it cannot evaluate, with the reason", () => {
    const reason = (c: string) => {
      try {
        parseCondition(c, names);
        return "parsed";
      } catch (e) {
        expect(e).toBeInstanceOf(Unsupported);
        return (e as Error).message;
      }
    };
    expect(reason("selection | count() by User > 5")).toMatch(/aggregation/);
    expect(reason("unknown_sel")).toMatch(/unknown search identifier/);
    expect(reason("1 of nothing_*")).toMatch(/naming no search identifier/);
    expect(reason("selection and")).toMatch(/missing at the end/);
    expect(reason("(selection")).toMatch(/missing '\)'/);
    expect(reason("selection near filter_main")).toMatch(/trailing|near/);
    expect(reason("2 of selection*")).toMatch(/only '1 of' and 'all of'/);
  });
});

describe("conditions evaluated", () => {
  const engine = engineOf(
    processRule(
      "cond-1",
      `  selection_img:
    Image|endswith: '\\tool.exe'
  selection_cli:
    CommandLine|contains: ' -x '
  filter_main:
    User: 'NT AUTHORITY\\SYSTEM'
  condition: all of selection_* and not filter_main`,
    ),
  );
  it("and, not, all of", () => {
    const hit = sysmonEvent(1, {
      Image: "C:\\bin\\tool.exe",
      CommandLine: "tool.exe -x 1",
      User: "corp\\bob",
    });
    const filtered = sysmonEvent(1, {
      Image: "C:\\bin\\tool.exe",
      CommandLine: "tool.exe -x 1",
      User: "NT AUTHORITY\\SYSTEM",
    });
    const half = sysmonEvent(1, { Image: "C:\\bin\\tool.exe", CommandLine: "tool.exe -y" });
    expect(matchedIds(engine, hit)).toEqual(["cond-1"]);
    expect(matchedIds(engine, filtered)).toEqual([]);
    expect(matchedIds(engine, half)).toEqual([]);
  });

  it("a list of conditions is or-linked", () => {
    const e = engineOf(
      processRule("cond-2", "  a:\n    Image: x.exe\n  b:\n    Image: y.exe\n  condition:\n    - a\n    - b"),
    );
    expect(matchedIds(e, sysmonEvent(1, { Image: "Y.EXE" }))).toEqual(["cond-2"]);
    expect(matchedIds(e, sysmonEvent(1, { Image: "z.exe" }))).toEqual([]);
  });
});
