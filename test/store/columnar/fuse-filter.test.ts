import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildFuseFilter, FuseFilter, fuseShape, mix } from "../../../src/store/columnar/fuse-filter.js";

/** `n` distinct 32-bit keys drawn from `seed`. */
function distinctKeys(n: number, seed: number): number[] {
  const keys = new Set<number>();
  for (let i = 0; keys.size < n; i++) keys.add(mix(seed * 1_000_003 + i));
  return [...keys];
}

describe("binary fuse filter", () => {
  it("holds every key it was built from (property: sets of 0 to 3,000 keys)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: 0xffffffff }), { maxLength: 3_000 }),
        fc.nat(),
        (keys, seed) => {
          const filter = buildFuseFilter(keys, seed);
          expect(filter).not.toBeNull();
          for (const k of keys) expect(filter!.has(k)).toBe(true);
        },
      ),
      { numRuns: 200, seed: 18 },
    );
  });

  it("lets about 1 in 16 other keys through, in about 5.1 bits a key for a segment's 5,000 keys", () => {
    const keys = distinctKeys(5_000, 1);
    const filter = buildFuseFilter(keys, 42)!;
    const held = new Set(keys);
    let through = 0;
    let tried = 0;
    for (const k of distinctKeys(200_000, 2)) {
      if (held.has(k)) continue;
      tried++;
      if (filter.has(k)) through++;
    }
    // 1/16 = 6.25 %; 200,000 tries put the share within a few tenths of a per cent.
    expect(through / tried).toBeGreaterThan(0.058);
    expect(through / tried).toBeLessThan(0.067);
    expect((8 * filter.nibbles.length) / keys.length).toBeLessThan(5.4);
  });

  it("is the same filter for the same keys and seed, another for another seed", () => {
    const keys = distinctKeys(1_000, 3);
    const a = buildFuseFilter(keys, 7)!;
    expect(buildFuseFilter(keys, 7)!.nibbles).toEqual(a.nibbles);
    expect(buildFuseFilter(keys, 8)!.seed).not.toBe(a.seed);
  });

  it("gives up (null) when the keys cannot be peeled: a key given twice never has a slot of its own", () => {
    const keys = distinctKeys(100, 9);
    expect(buildFuseFilter([...keys, keys[0]!], 1)).toBeNull();
  });

  it("reads back from its parts as built", () => {
    const keys = distinctKeys(777, 4);
    const built = buildFuseFilter(keys, 5)!;
    const read = new FuseFilter(built.blockBits, built.blocks, built.seed, built.nibbles.slice());
    for (const k of distinctKeys(5_000, 6)) expect(read.has(k)).toBe(built.has(k));
    expect(() => new FuseFilter(built.blockBits, built.blocks + 1, built.seed, built.nibbles)).toThrow(
      RangeError,
    );
  });

  it("sizes small sets with room to peel, and large ones at about 1.13 slots a key", () => {
    for (const n of [0, 1, 2, 3, 10, 100]) {
      const { blockBits, blocks } = fuseShape(n);
      expect((blocks + 2) * 2 ** blockBits).toBeGreaterThanOrEqual(n);
      expect(buildFuseFilter(distinctKeys(n, n + 10), 1)).not.toBeNull();
    }
    const { blockBits, blocks } = fuseShape(1_000_000);
    expect(((blocks + 2) * 2 ** blockBits) / 1_000_000).toBeLessThan(1.14);
  });
});
