import { averagePathLength } from "./path-length.js";
import type { Trees } from "./trees.js";

export interface FeatureWeight {
  readonly feature: number;
  readonly weight: number;
}

/**
 * Depth-based isolation attribution. Before a split at a node that `n` training samples reached, the
 * row's expected remaining path is c(n) (the average unsuccessful-search depth among n points).
 * After following the split into a child holding m samples it is 1 + c(m). The difference
 * c(n) − 1 − c(m) is how much that split shortened the row's path: large when the split cuts the row
 * off from most samples (an isolating split, typically shallow for an outlier), zero or negative when
 * the row stays with the crowd. Positive gains are credited to the split's feature, summed over every
 * node of every tree on the row's path, and normalised to sum to 1. Negative gains are dropped rather
 * than charged, because staying with the crowd says nothing about *why* a row is anomalous.
 *
 * If no split shortened the path anywhere (e.g. a forest trained on a single row), every weight is 0.
 */
export function explainRow(trees: Trees, row: ArrayLike<number>, numFeatures: number): FeatureWeight[] {
  const { treeStart, feature, threshold, left, size } = trees;
  const credit = new Float64Array(numFeatures);
  for (let t = 0; t + 1 < treeStart.length; t++) {
    let node = treeStart[t]!;
    let f = feature[node]!;
    while (f >= 0) {
      const child = left[node]! + (row[f]! > threshold[node]! ? 1 : 0);
      const gain = averagePathLength(size[node]!) - 1 - averagePathLength(size[child]!);
      if (gain > 0) credit[f] = credit[f]! + gain;
      node = child;
      f = feature[node]!;
    }
  }
  let total = 0;
  for (let f = 0; f < numFeatures; f++) total += credit[f]!;
  const out: FeatureWeight[] = [];
  for (let f = 0; f < numFeatures; f++) out.push({ feature: f, weight: total > 0 ? credit[f]! / total : 0 });
  return out.sort((a, b) => b.weight - a.weight || a.feature - b.feature);
}
