import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UndoLog } from "../../src/core/undo.js";
import { LruMap } from "../../src/detectors/lru.js";
import { MapLru } from "./lru-model.js";

const keysOf = (m: LruMap<string, number>) => [...m.entries()].map(([k]) => k);

describe("LruMap", () => {
  it("evicts the least recently used key, reads counting as use", () => {
    const m = new LruMap<string, number>(3);
    m.set("a", 1).set("b", 2).set("c", 3);
    expect(m.get("a")).toBe(1);
    m.set("d", 4);
    expect(keysOf(m)).toEqual(["c", "a", "d"]);
  });

  it("keeps the order exact when the same key is read again and again", () => {
    const m = new LruMap<string, number>(3);
    m.set("a", 1).set("b", 2);
    m.get("b");
    m.get("b");
    m.get("a");
    m.get("a");
    m.set("c", 3).set("d", 4);
    expect(keysOf(m)).toEqual(["a", "c", "d"]);
  });

  it("forgets the newest key when it is deleted or the map is cleared", () => {
    const m = new LruMap<string, number>(2);
    m.set("a", 1);
    m.delete("a");
    m.set("b", 2).set("a", 3);
    expect(m.get("b")).toBe(2);
    m.set("c", 4);
    expect(keysOf(m)).toEqual(["b", "c"]);
    m.clear();
    expect(m.get("c")).toBeUndefined();
    m.set("x", 1).set("y", 2);
    expect(m.get("x")).toBe(1);
    m.set("z", 3);
    expect(keysOf(m)).toEqual(["x", "z"]);
  });

  it("peek reads without changing the order; upsert creates once", () => {
    const m = new LruMap<string, number>(2);
    m.set("a", 1).set("b", 2);
    expect(m.peek("a")).toBe(1);
    m.set("c", 3);
    expect(keysOf(m)).toEqual(["b", "c"]);
    let made = 0;
    const make = () => ++made;
    expect(m.upsert("b", make)).toBe(2);
    expect(m.upsert("d", make)).toBe(1);
    expect(made).toBe(1);
    expect(keysOf(m)).toEqual(["b", "d"]);
  });
});

/** One step of a detector's use of a key map, inside or outside a recorded batch. */
type Op =
  | { op: "get" | "peek" | "has" | "delete" | "remember" | "upsert" | "bump"; key: string }
  | { op: "set" | "restore"; key: string; value: number }
  | { op: "retain"; keys: string[] }
  | { op: "clear" | "begin" | "commit" | "rollback" | "entries" };

const key = fc.constantFrom("a", "b", "c", "d", "e", "f");
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constantFrom("get", "peek", "has", "bump" as const), key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("delete", "remember", "upsert" as const), key }) },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant("set" as const), key, value: fc.integer({ min: 0, max: 99 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("restore" as const),
      key,
      value: fc.integer({ min: 0, max: 99 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("retain" as const), keys: fc.array(key, { maxLength: 7 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom("clear", "begin", "commit", "rollback", "entries" as const) }),
  },
);

/** The same steps on the current map and on the model, with values that are changed in place. */
function runBoth(max: number, ops: readonly Op[]): void {
  const copy = (v: { n: number }) => ({ n: v.n });
  const logA = new UndoLog();
  const logB = new UndoLog();
  const a = new LruMap<string, { n: number }>(max).recordTo(logA, copy);
  const b = new MapLru<string, { n: number }>(max).recordTo(logB, copy);
  const state = (m: LruMap<string, { n: number }> | MapLru<string, { n: number }>) =>
    [...m.entries()].map(([k, v]) => `${k}=${v.n}`).join(" ");
  let made = 0;
  for (const o of ops) {
    switch (o.op) {
      case "begin":
        logA.begin();
        logB.begin();
        break;
      case "commit":
        logA.commit();
        logB.commit();
        break;
      case "rollback":
        logA.rollback();
        logB.rollback();
        break;
      case "clear":
        a.clear();
        b.clear();
        break;
      case "entries":
        expect([...a.keys()]).toEqual([...b.keys()]);
        expect([...a.values()].map((v) => v.n)).toEqual([...b.values()].map((v) => v.n));
        break;
      case "retain":
        a.retainInOrder(o.keys);
        b.retainInOrder(o.keys);
        break;
      case "set":
        a.set(o.key, { n: o.value });
        b.set(o.key, { n: o.value });
        break;
      case "restore":
        a.restore(o.key, { n: o.value });
        b.restore(o.key, { n: o.value });
        break;
      case "get":
        expect(a.get(o.key)?.n).toBe(b.get(o.key)?.n);
        break;
      case "bump": {
        // A read for change, as detectors count: the value is changed in place after `get`.
        const va = a.get(o.key);
        const vb = b.get(o.key);
        if (va) va.n++;
        if (vb) vb.n++;
        break;
      }
      case "peek":
        expect(a.peek(o.key)?.n).toBe(b.peek(o.key)?.n);
        break;
      case "has":
        expect(a.has(o.key)).toBe(b.has(o.key));
        break;
      case "delete":
        expect(a.delete(o.key)).toBe(b.delete(o.key));
        break;
      case "remember":
        a.remember(o.key);
        b.remember(o.key);
        break;
      case "upsert":
        made++;
        expect(a.upsert(o.key, () => ({ n: 100 + made })).n).toBe(
          b.upsert(o.key, () => ({ n: 100 + made })).n,
        );
        break;
    }
    expect(a.size).toBe(b.size);
    expect(state(a)).toBe(state(b));
  }
  // Whatever was journaled, a last rollback puts both back the same way.
  logA.rollback();
  logB.rollback();
  expect(state(a)).toBe(state(b));
}

describe("LruMap against the Map-ordered model it replaced", () => {
  it("gives the same values, order and rollbacks for any sequence of operations", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(opArb, { maxLength: 120 }), (max, ops) =>
        runBoth(max, ops),
      ),
      { numRuns: 3_000 },
    );
  });
});
