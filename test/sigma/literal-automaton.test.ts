import { describe, expect, it } from "vitest";
import { LiteralAutomaton, MemoBudget } from "../../src/sigma/literal-automaton.js";

function clausesOf(a: LiteralAutomaton, text: string, stamp: number): number[] {
  const out: number[] = [];
  a.scan(text, stamp, (clause) => out.push(clause));
  return out.sort((x, y) => x - y);
}

describe("the literal automaton's memo", () => {
  it("keeps the memos of automata sharing a budget within it, and answers the same either way", () => {
    const budget = new MemoBudget(200);
    const automata = [0, 1].map(() => {
      const a = new LiteralAutomaton(budget);
      a.add("exe", 0);
      a.add("cmd", 1);
      a.add("powershell", 2);
      a.finish();
      return a;
    });
    const values = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0
        ? `C:\\Windows\\cmd.exe /c job${i}`
        : i % 3 === 1
          ? "C:\\Windows\\PowerShell.exe"
          : `note ${i}`,
    );
    for (let round = 0; round < 3; round++)
      values.forEach((v, i) => {
        const expected = [
          ...(v.toLowerCase().includes("exe") ? [0] : []),
          ...(v.toLowerCase().includes("cmd") ? [1] : []),
          ...(v.toLowerCase().includes("powershell") ? [2] : []),
        ];
        for (const a of automata) expect(clausesOf(a, v, round * 1000 + i)).toEqual(expected);
        expect(budget.used).toBeLessThanOrEqual(budget.limit);
        expect(budget.used).toBeGreaterThanOrEqual(0);
      });
  });
});
