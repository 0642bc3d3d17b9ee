import { describe, expect, it } from "vitest";
import { balanceMove } from "../../src/distribution/cluster-node.js";

/**
 * Nodes taking turns (in `order`, round after round) to claim free partitions or hand one back, as their
 * cluster rounds do; returns each node's count once a whole round moved nothing.
 */
function settle(start: Record<string, number>, partitions: number, order: string[]): Record<string, number> {
  const counts = new Map(Object.entries(start));
  let free = partitions - [...counts.values()].reduce((a, b) => a + b, 0);
  for (let round = 0; round < 100; round++) {
    let moved = false;
    for (const node of order) {
      const move = balanceMove(node, counts.get(node)!, counts, partitions);
      if (move > 0 && free > 0) {
        const took = Math.min(move, free);
        counts.set(node, counts.get(node)! + took);
        free -= took;
        moved = true;
      } else if (move < 0) {
        counts.set(node, counts.get(node)! - 1);
        free++;
        moved = true;
      }
    }
    if (!moved) return Object.fromEntries(counts);
  }
  throw new Error("did not settle in 100 rounds");
}

describe("balanceMove", () => {
  it("spreads 6 partitions over 4 nodes as 2 + 2 + 1 + 1, whoever joined last and whoever moves first", () => {
    for (const order of [
      ["a", "b", "c", "d"],
      ["d", "c", "b", "a"],
      ["c", "a", "d", "b"],
    ]) {
      const after = settle({ a: 3, b: 3, c: 0, d: 0 }, 6, order);
      expect(Object.values(after).sort()).toEqual([1, 1, 2, 2]);
    }
    // The case the ceiling alone allowed: three nodes at 2, one idle.
    expect(Object.values(settle({ a: 2, b: 2, c: 2, d: 0 }, 6, ["a", "b", "c", "d"])).sort()).toEqual([
      1, 1, 2, 2,
    ]);
  });

  it("gives every node the floor or the ceiling for any count of partitions and nodes", () => {
    for (let partitions = 1; partitions <= 24; partitions++)
      for (let nodes = 1; nodes <= 6; nodes++) {
        const names = Array.from({ length: nodes }, (_, i) => `n${i}`);
        // Everything on the first node, the others just joined.
        const start = Object.fromEntries(names.map((n, i) => [n, i === 0 ? partitions : 0]));
        const after = settle(start, partitions, [...names].reverse());
        const floor = Math.floor(partitions / nodes);
        const ceil = Math.ceil(partitions / nodes);
        for (const c of Object.values(after))
          expect(c >= floor && c <= ceil, `${partitions}/${nodes}`).toBe(true);
        expect(Object.values(after).reduce((a, b) => a + b, 0)).toBe(partitions);
      }
  });

  it("a node at its share, with nobody starving, does nothing", () => {
    const live = new Map([
      ["a", 4],
      ["b", 4],
      ["c", 4],
    ]);
    for (const n of live.keys()) expect(balanceMove(n, 4, live, 12)).toBe(0);
  });
});
