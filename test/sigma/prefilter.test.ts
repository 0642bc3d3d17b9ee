import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../bench/lib/random.js";
import { type FieldAccess, FieldTable } from "../../src/sigma/event-fields.js";
import type { Need } from "../../src/sigma/necessary-literals.js";
import { Prefilter } from "../../src/sigma/prefilter.js";

/**
 * ASCII letters (both cases: values are lowered while scanned) and punctuation plus characters past 127 (a
 * node's ASCII table must not hide them; "İ" lowers to two characters).
 */
const ALPHABET = "abcdefgh.\\-: éßж€ABCDÉЖİ";

function text(r: () => number, min: number, max: number): string {
  const n = min + Math.floor(r() * (max - min + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  return s;
}

function access(values: readonly (string | undefined)[], keywords: readonly string[]): FieldAccess {
  return {
    raw: (slot) => values[slot],
    lowered: (slot) => values[slot]?.toLowerCase(),
    text: (slot) => values[slot],
    keywords: (lowered) => (lowered ? keywords.map((k) => k.toLowerCase()) : keywords),
  };
}

describe("the prefilter", () => {
  it("finds exactly the rules each of whose clauses has a literal in the event (many literals sharing prefixes)", () => {
    const r = mulberry32(7);
    const fields = ["image", "commandline", "user"];
    const table = new FieldTable();
    for (const f of fields) table.slotOf(f);
    // Short literals over a small alphabet: nodes with many children (ASCII tables) and deep fail links.
    const needs: Need[] = Array.from({ length: 400 }, (_, i) => {
      if (i % 37 === 0) return null; // no need known: always a candidate
      return Array.from({ length: 1 + Math.floor(r() * 2) }, () =>
        Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({
          field: r() < 0.15 ? null : fields[Math.floor(r() * fields.length)]!,
          text: text(r, 1, 4).toLowerCase(),
        })),
      );
    });
    const prefilter = new Prefilter(needs, table);
    let candidates = 0;
    // The first 300 events repeat 30 value sets (the automata's memo answers most scans), the next 5,700
    // are all new (after 4,096 scans of an automaton its memo has found too few and stops: each value is
    // walked).
    const draw = () => ({
      values: fields.map(() => (r() < 0.1 ? undefined : text(r, 0, 60))),
      keywords: [text(r, 0, 30), text(r, 0, 30)],
    });
    const pool = Array.from({ length: 30 }, draw);
    const EVENTS = 6000;
    for (let e = 0; e < EVENTS; e++) {
      const { values, keywords } = e < 300 ? pool[Math.floor(r() * pool.length)]! : draw();
      const found = [...prefilter.candidates(access(values, keywords))];
      const expectedRules: number[] = [];
      needs.forEach((need, rule) => {
        const expected =
          need === null ||
          need.every((clause) =>
            clause.some((l) =>
              l.field === null
                ? keywords.some((k) => k.toLowerCase().includes(l.text))
                : (values[table.slotOf(l.field)] ?? "").toLowerCase().includes(l.text),
            ),
          );
        if (expected) expectedRules.push(rule);
      });
      // Every candidate and only they, in the rules' order.
      expect(found, `event ${e}`).toEqual(expectedRules);
      candidates += found.length;
    }
    // The test means something only if both answers occur often.
    expect(candidates).toBeGreaterThan(EVENTS * 40);
    expect(candidates).toBeLessThan(EVENTS * 360);
  });
});
