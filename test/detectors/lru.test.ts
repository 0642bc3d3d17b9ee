import { describe, expect, it } from "vitest";
import { LruMap } from "../../src/detectors/lru.js";

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
