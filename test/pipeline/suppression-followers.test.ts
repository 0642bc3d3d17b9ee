import { describe, expect, it } from "vitest";
import type { Suppression } from "../../src/core/suppression.js";
import { SuppressionList } from "../../src/pipeline/suppressions.js";

const suppression = (id: number, key: string): Suppression => ({
  id,
  detector: "brute_force",
  key,
  templateId: null,
  maxScore: null,
  expiresAt: null,
});

const finding = (key: string) => ({ detector: "brute_force", key, score: 0.9 });

describe("a suppression list's followers (a cluster node's partition pipelines)", () => {
  it("take every change at once and count their own drops", () => {
    const node = new SuppressionList();
    const partition = new SuppressionList();
    node.followers.add(partition);
    node.replace([suppression(1, "ip:10.0.0.1")]);
    node.add(suppression(2, "ip:10.0.0.2"));
    expect(
      partition.filter([finding("ip:10.0.0.1"), finding("ip:10.0.0.2"), finding("ip:10.0.0.3")], 0),
    ).toEqual([finding("ip:10.0.0.3")]);
    // The partition's drops are the partition's: its batch writes them, not the node's.
    expect([...partition.takeDrops()]).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(node.takeDrops().size).toBe(0);
    node.remove(1);
    expect(partition.filter([finding("ip:10.0.0.1")], 0)).toHaveLength(1);
    node.followers.delete(partition);
    node.add(suppression(3, "ip:10.0.0.1"));
    expect(partition.filter([finding("ip:10.0.0.1")], 0)).toHaveLength(1);
  });
});
