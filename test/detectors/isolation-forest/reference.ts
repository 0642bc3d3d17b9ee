/**
 * A slow, obviously-correct Isolation Forest written straight from the paper with object trees and
 * recursion, used only to check the fast typed-array forest. It consumes the generator in the same
 * order (ψ Fisher–Yates draws per tree, then depth-first, left before right: feature draw(s), then
 * split value), so both grow identical trees and must give identical scores.
 */
import { Random } from "../../../src/detectors/isolation-forest/random.js";

type RefNode =
  | { readonly kind: "leaf"; readonly size: number }
  | {
      readonly kind: "split";
      readonly feature: number;
      readonly threshold: number;
      readonly left: RefNode;
      readonly right: RefNode;
    };

export function c(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

export class ReferenceForest {
  readonly trees: RefNode[] = [];
  readonly psi: number;

  constructor(rows: number[][], numTrees: number, maxSamples: number, seed: number) {
    const rng = new Random(seed);
    const n = rows.length;
    const nCols = rows[0]!.length;
    this.psi = Math.min(maxSamples, n);
    const limit = Math.ceil(Math.log2(Math.max(this.psi, 2)));

    const grow = (sample: number[][], depth: number): RefNode => {
      if (depth >= limit || sample.length <= 1) return { kind: "leaf", size: sample.length };
      const candidates = Array.from({ length: nCols }, (_, i) => i);
      while (candidates.length > 0) {
        const k = rng.nextInt(candidates.length);
        const f = candidates[k]!;
        const values = sample.map((r) => r[f]!);
        const lo = Math.min(...values);
        const hi = Math.max(...values);
        if (hi > lo) {
          let threshold = lo + rng.nextDouble() * (hi - lo);
          if (threshold >= hi) threshold = lo;
          const left = grow(
            sample.filter((r) => r[f]! <= threshold),
            depth + 1,
          );
          const right = grow(
            sample.filter((r) => r[f]! > threshold),
            depth + 1,
          );
          return { kind: "split", feature: f, threshold, left, right };
        }
        // Constant here: drop it (move the last candidate into its place) and draw again.
        candidates[k] = candidates[candidates.length - 1]!;
        candidates.pop();
      }
      return { kind: "leaf", size: sample.length };
    };

    for (let t = 0; t < numTrees; t++) {
      const perm = rows.map((_, i) => i);
      for (let i = 0; i < this.psi; i++) {
        const j = i + rng.nextInt(n - i);
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      this.trees.push(
        grow(
          perm.slice(0, this.psi).map((i) => rows[i]!),
          0,
        ),
      );
    }
  }

  pathLength(x: readonly number[], node: RefNode, depth = 0): number {
    if (node.kind === "leaf") return depth + c(node.size);
    return this.pathLength(x, x[node.feature]! <= node.threshold ? node.left : node.right, depth + 1);
  }

  anomalyScore(x: readonly number[]): number {
    let sum = 0;
    for (const tree of this.trees) sum += this.pathLength(x, tree);
    return 2 ** (-(sum / this.trees.length) / c(this.psi));
  }
}
