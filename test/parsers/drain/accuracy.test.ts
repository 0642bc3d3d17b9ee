import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mineAll } from "../../../src/parsers/drain/batch.js";
import { DrainMiner } from "../../../src/parsers/drain/index.js";

const DIR = new URL("../../../../shared/datasets/loghub-2k/", import.meta.url);

/** RFC 4180 rows (enough for the LogHub structured CSVs). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length) rows.push([...row, field]);
  return rows;
}

/** Grouping accuracy: a line is right when its predicted group has exactly its true group's lines. */
function groupingAccuracy(truth: readonly string[], predicted: readonly string[]): number {
  const groups = (labels: readonly string[]) => {
    const m = new Map<string, number[]>();
    labels.forEach((l, i) => {
      const g = m.get(l);
      if (g) g.push(i);
      else m.set(l, [i]);
    });
    return m;
  };
  const t = groups(truth);
  const p = groups(predicted);
  let correct = 0;
  for (const members of p.values()) {
    const truthGroup = t.get(truth[members[0]!]!)!;
    if (truthGroup.length === members.length && members.every((i) => truth[i] === truth[members[0]!]))
      correct += members.length;
  }
  return correct / truth.length;
}

describe("accuracy smoke test", () => {
  const file = new URL("HDFS/HDFS_2k.log_structured.csv", DIR);
  it.skipIf(!existsSync(file))("HDFS message bodies: GA ≥ 0.9", () => {
    const [head, ...rows] = parseCsv(readFileSync(file, "utf8"));
    const content = head!.indexOf("Content");
    const template = head!.indexOf("EventTemplate");
    const data = rows.filter((r) => r.length > template);
    const mined = mineAll(
      new DrainMiner(),
      "HDFS",
      data.map((r) => r[content]!),
    );
    const ga = groupingAccuracy(
      data.map((r) => r[template]!),
      mined.map((m) => m.template),
    );
    expect(ga).toBeGreaterThanOrEqual(0.9);
  });
});
