import { describe, expect, it } from "vitest";
import { loadRules } from "../../src/sigma/load-rules.js";

const load = (...texts: string[]) => loadRules(texts.map((text, i) => ({ source: `r${i}.yml`, text })));

const rule = (id: string, extra = "") => `title: rule ${id}
id: ${id}
${extra}logsource:
  product: windows
detection:
  sel:
    EventID: 1
  condition: sel
`;

describe("loading rules", () => {
  it("loads valid rules with their metadata and defaults", () => {
    const loaded = load(rule("a", "level: critical\ntags:\n  - attack.t1059\nname: rule_a\n"), rule("b"));
    expect(loaded.refused).toEqual([]);
    expect(loaded.detections.map((d) => [d.id, d.level, d.name, d.tags])).toEqual([
      ["a", "critical", "rule_a", ["attack.t1059"]],
      ["b", "medium", null, []],
    ]);
  });

  it("checks the schema at the boundary and names the key", () => {
    const loaded = load(
      "title: x\nlogsource:\n  product: windows\n",
      "title: x\nlevel: severe\nlogsource: {}\ndetection:\n  s: {a: 1}\n  condition: s\n",
    );
    expect(loaded.detections).toEqual([]);
    expect(loaded.refused.map((r) => r.kind)).toEqual(["schema", "schema"]);
    expect(loaded.refused[0]!.reason).toMatch(/^detection/);
    expect(loaded.refused[1]!.reason).toMatch(/^level/);
  });

  it("refuses broken YAML, duplicate ids, aggregations and pre-2.0 collections, loading the rest", () => {
    const loaded = load(
      "title: [unclosed",
      rule("dup"),
      rule("dup"),
      "title: agg\nlogsource: {product: windows}\ndetection:\n  s: {EventID: 1}\n  condition: s | count() > 5\n",
      "action: global\ntitle: x\n",
      rule("ok"),
    );
    expect(loaded.detections.map((d) => d.id)).toEqual(["dup", "ok"]);
    expect(loaded.refused.map((r) => r.kind)).toEqual(["yaml", "duplicate", "condition", "schema"]);
  });

  it("reads multi-document files, each document on its own", () => {
    const loaded = load(`${rule("m1")}---\n${rule("m2")}---\ntitle: broken\n`);
    expect(loaded.detections.map((d) => [d.id, d.source])).toEqual([
      ["m1", "r0.yml#1"],
      ["m2", "r0.yml#2"],
    ]);
    expect(loaded.refused).toMatchObject([{ source: "r0.yml#3", kind: "schema" }]);
  });

  it("gives a rule without id a stable one from its file", () => {
    const loaded = load(rule("x").replace("id: x\n", ""));
    expect(loaded.detections[0]!.id).toBe("file:r0.yml");
  });
});
