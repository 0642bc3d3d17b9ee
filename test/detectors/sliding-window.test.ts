import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SlidingWindow } from "../../src/detectors/sliding-window.js";

type Op =
  | { kind: "add"; at: number; label: string }
  | { kind: "prune"; at: number }
  | { kind: "copy" }
  | { kind: "replace" }
  | { kind: "ask" };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      // Late records, records far back (a jump that starts the window again) and ones far ahead.
      at: fc.integer({ min: -30, max: 40 }),
      label: fc.constantFrom("alice", "bob", "carol", "dave", "?"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("prune" as const), at: fc.integer({ min: 0, max: 40 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "copy" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "replace" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "ask" as const }) },
);

describe("SlidingWindow.distinctLabels", () => {
  it("is always labels().length, whatever was added, dropped, copied or replaced", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 2, max: 6 }), (ops, maxEvents) => {
        let w = new SlidingWindow(10, maxEvents);
        let latest = 0;
        for (const o of ops) {
          if (o.kind === "add") {
            latest += o.at;
            w.add({ at: latest, id: 0, label: o.label });
          } else if (o.kind === "prune") w.prune(latest + o.at);
          else if (o.kind === "copy") w = w.copy();
          else if (o.kind === "replace") w.events = w.events.slice(1);
          // Asked now and then only: the count is kept from the first question on, rebuilt after a replace.
          else expect(w.distinctLabels()).toBe(w.labels().length);
        }
        expect(w.distinctLabels()).toBe(w.labels().length);
      }),
      { numRuns: 2_000 },
    );
  });

  it("leaves the copy it was taken from alone", () => {
    const w = new SlidingWindow(1_000);
    w.add({ at: 1, id: 1, label: "alice" });
    expect(w.distinctLabels()).toBe(1);
    const copy = w.copy();
    copy.add({ at: 2, id: 2, label: "bob" });
    expect(copy.distinctLabels()).toBe(2);
    expect(w.distinctLabels()).toBe(1);
  });
});
