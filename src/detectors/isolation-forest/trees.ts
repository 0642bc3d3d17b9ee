import type { Matrix } from "./matrix.js";
import { averagePathLength } from "./path-length.js";
import type { Random } from "./random.js";

/**
 * All trees of a forest, flat: node `i` of the whole forest is described by the i-th entry of each
 * array, and tree `t` owns nodes `treeStart[t] .. treeStart[t + 1] - 1` with its root first. Typed
 * arrays instead of node objects keep scoring free of pointer chasing and garbage, and make the
 * model trivially serialisable.
 *
 * A split sends `x[feature] <= threshold` to `left` and everything else to `right`. Children are
 * always allocated as a pair, so `right === left + 1`, and after their parent, which lets a single
 * forward pass derive depths (see `finishTrees`). Scoring uses a re-laid-out copy (`score.ts`).
 *
 * The paper sends x < p left; here the split value is drawn in [min, max) and x ≤ p goes left, so
 * both children are non-empty even when p lands exactly on the minimum.
 */
export interface TreeArrays {
  readonly treeStart: Int32Array;
  /** Split feature, or -1 at a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** Global index of the left child, or -1 at a leaf. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** How many training samples reached the node (explanations need it at inner nodes too). */
  readonly size: Float64Array;
}

/** The stored arrays plus what scoring derives from them. */
export interface Trees extends TreeArrays {
  /** Depth of each node (root 0). */
  readonly depth: Int32Array;
  /** The deepest node in the forest. */
  readonly maxDepth: number;
  /** depth + c(size) at a leaf: the path length h(x) of every row ending there; 0 elsewhere. */
  readonly leafPath: Float64Array;
}

export interface BuildParams {
  readonly numTrees: number;
  readonly sampleSize: number;
  readonly heightLimit: number;
}

/**
 * Grows `numTrees` isolation trees (Liu, Ting & Zhou 2008, Algorithms 1–2). The order in which the
 * random generator is consumed is part of the model's definition (the reference test replays it):
 * per tree, ψ draws for the subsample (partial Fisher–Yates), then nodes depth-first, left subtree
 * before right, each inner node drawing its feature (again, after a constant one) then its split.
 */
export function buildTrees(m: Matrix, params: BuildParams, rng: Random): TreeArrays {
  const { nRows: n, nCols, data } = m;
  const { numTrees, sampleSize: psi, heightLimit } = params;
  // A tree has at most 2ψ − 1 nodes (ψ leaves), and at most 2^(H+1) − 1 under the height limit.
  const maxNodes = Math.min(2 * psi - 1, 2 ** (heightLimit + 1) - 1);
  const total = numTrees * maxNodes;
  const treeStart = new Int32Array(numTrees + 1);
  const feature = new Int32Array(total).fill(-1);
  const threshold = new Float64Array(total);
  const left = new Int32Array(total).fill(-1);
  const size = new Float64Array(total);

  // Scratch reused across trees. Only ψ rows are ever touched, so fitting costs O(T·ψ·H) whatever n is.
  const sample = new Int32Array(psi);
  const sub = new Float64Array(psi * nCols); // column-major, so a node's scan of one feature is contiguous
  const idx = new Int32Array(psi);
  const cand = new Int32Array(nCols);
  const stack = new Int32Array(4 * (heightLimit + 2) * 2);
  // The first ψ steps of a Fisher–Yates shuffle of 0..n−1, without materialising the permutation:
  // `displaced` holds only the positions a swap has changed (≤ ψ), so a tree costs O(ψ), not O(n).
  const displaced = new Map<number, number>();

  let next = 0;
  for (let t = 0; t < numTrees; t++) {
    displaced.clear();
    for (let i = 0; i < psi; i++) {
      const j = i + rng.nextInt(n - i);
      const atI = displaced.get(i) ?? i;
      sample[i] = displaced.get(j) ?? j;
      displaced.set(j, atI);
    }
    for (let s = 0; s < psi; s++) {
      const base = sample[s]! * nCols;
      for (let f = 0; f < nCols; f++) sub[f * psi + s] = data[base + f]!;
      idx[s] = s;
    }

    treeStart[t] = next;
    let sp = 0;
    stack[sp++] = next++;
    stack[sp++] = 0;
    stack[sp++] = psi;
    stack[sp++] = 0;
    while (sp > 0) {
      const depth = stack[--sp]!;
      const end = stack[--sp]!;
      const start = stack[--sp]!;
      const node = stack[--sp]!;
      const count = end - start;
      size[node] = count;
      if (depth >= heightLimit || count <= 1) continue;
      // Draw features without replacement until one varies within the node (sklearn also keeps
      // sampling past constant features); a node where none varies cannot be split and is a leaf.
      for (let k = 0; k < nCols; k++) cand[k] = k;
      let remaining = nCols;
      let f = -1;
      let lo = 0;
      let hi = 0;
      while (remaining > 0) {
        const k = rng.nextInt(remaining);
        const g = cand[k]!;
        const col = g * psi;
        lo = Infinity;
        hi = -Infinity;
        for (let i = start; i < end; i++) {
          const v = sub[col + idx[i]!]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        if (hi > lo) {
          f = g;
          break;
        }
        cand[k] = cand[remaining - 1]!;
        cand[remaining - 1] = g;
        remaining--;
      }
      if (f < 0) continue;
      // Uniform in [lo, hi); rounding can land on hi, which would leave the right child empty.
      let thr = lo + rng.nextDouble() * (hi - lo);
      if (thr >= hi) thr = lo;
      const col = f * psi;
      let mid = start;
      for (let i = start; i < end; i++) {
        const s = idx[i]!;
        if (sub[col + s]! <= thr) {
          idx[i] = idx[mid]!;
          idx[mid++] = s;
        }
      }
      const l = next;
      next += 2;
      feature[node] = f;
      threshold[node] = thr;
      left[node] = l;
      // Push right first so the left subtree is grown (and consumes randomness) first.
      stack[sp++] = l + 1;
      stack[sp++] = mid;
      stack[sp++] = end;
      stack[sp++] = depth + 1;
      stack[sp++] = l;
      stack[sp++] = start;
      stack[sp++] = mid;
      stack[sp++] = depth + 1;
    }
  }
  treeStart[numTrees] = next;

  const leftOut = left.slice(0, next);
  const right = new Int32Array(next);
  for (let i = 0; i < next; i++) right[i] = leftOut[i]! < 0 ? -1 : leftOut[i]! + 1;
  return {
    treeStart,
    feature: feature.slice(0, next),
    threshold: threshold.slice(0, next),
    left: leftOut,
    right,
    size: size.slice(0, next),
  };
}

/**
 * Checks the invariants scoring relies on (so a corrupt or hand-edited model cannot loop or read out
 * of bounds) and derives each leaf's path length. Children always have higher indices than their
 * parent within the same tree, which both guarantees termination and lets one forward pass assign
 * depths.
 */
export function finishTrees(a: TreeArrays, numFeatures: number, maxDepthAllowed: number): Trees {
  const { treeStart, feature, threshold, left, right, size } = a;
  const nNodes = feature.length;
  if (
    threshold.length !== nNodes ||
    left.length !== nNodes ||
    right.length !== nNodes ||
    size.length !== nNodes
  ) {
    throw new RangeError("tree arrays have different lengths");
  }
  if (treeStart.length < 2 || treeStart[0] !== 0 || treeStart[treeStart.length - 1] !== nNodes) {
    throw new RangeError("treeStart must run from 0 to the node count");
  }
  const depth = new Int32Array(nNodes);
  const leafPath = new Float64Array(nNodes);
  let maxDepth = 0;
  for (let t = 0; t + 1 < treeStart.length; t++) {
    const begin = treeStart[t]!;
    const end = treeStart[t + 1]!;
    if (end <= begin) throw new RangeError(`tree ${t} has no nodes`);
    for (let i = begin; i < end; i++) {
      const f = feature[i]!;
      const s = size[i]!;
      if (depth[i]! > maxDepth) maxDepth = depth[i]!;
      if (maxDepth > maxDepthAllowed) throw new RangeError(`node ${i} is deeper than the height limit`);
      if (!(s >= 1 && Number.isInteger(s))) throw new RangeError(`node ${i} has invalid size ${s}`);
      if (f === -1) {
        if (left[i] !== -1 || right[i] !== -1) throw new RangeError(`leaf ${i} has children`);
        leafPath[i] = depth[i]! + averagePathLength(s);
        continue;
      }
      const l = left[i]!;
      if (f < 0 || f >= numFeatures || !Number.isInteger(f))
        throw new RangeError(`node ${i} splits on feature ${f}`);
      if (l <= i || l + 1 >= end || right[i] !== l + 1)
        throw new RangeError(`node ${i} has invalid children`);
      if (Number.isNaN(threshold[i]!)) throw new RangeError(`node ${i} has a NaN threshold`);
      depth[l] = depth[i]! + 1;
      depth[l + 1] = depth[i]! + 1;
    }
  }
  return { ...a, depth, maxDepth, leafPath };
}
