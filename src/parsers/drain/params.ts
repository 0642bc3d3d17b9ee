import type { TemplateParam } from "../../core/template.js";
import { paramTypeAt } from "./mask.js";
import type { LineScanner } from "./scan.js";

/**
 * Where `extractParams` last cut each value: value `k` is the line's chars `at[2k]` to `at[2k + 1]`
 * (the skeleton memo keeps them; `skeleton.ts`). A holder object, not a module `let`: live bindings
 * can compile to getters.
 */
export const paramSpans: { at: Int32Array } = { at: new Int32Array(64) };

/**
 * Cuts the parameter values out of the scanned line given the cluster's parameter pieces: a `<*>`
 * token (pieces null) yields the whole token, a shaped token such as `blk_<*>` or `/<*>:<*>` yields
 * the text between its literal pieces. Pieces are matched and values typed on the scanner's char
 * codes (`LineScanner.codes`, the whole line): only the values themselves are sliced out of the line.
 * The array is made at its final size (a pushed array grows a backing store of 17 slots for one value).
 */
export function extractParams(
  pieces: readonly (readonly string[] | null)[],
  positions: readonly number[],
  sc: LineScanner,
): TemplateParam[] {
  let count = 0;
  for (let i = 0; i < positions.length; i++) {
    const pc = pieces[i] ?? null;
    count += pc === null ? 1 : pc.length - 1;
  }
  const params = new Array<TemplateParam>(count);
  if (2 * count > paramSpans.at.length)
    paramSpans.at = new Int32Array(Math.max(4 * count, 2 * paramSpans.at.length));
  const spans = paramSpans.at;
  const line = sc.line;
  const codes = sc.codes;
  let k = 0;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    const pc = pieces[i] ?? null;
    const a = sc.start[p]!;
    const b = sc.end[p]!;
    if (pc === null) {
      const value = line.slice(a, b);
      spans[2 * k] = a;
      spans[2 * k + 1] = b;
      params[k++] = { value, type: sc.bareNum[p] === 1 ? "num" : paramTypeAt(codes, a, b) };
    } else k = cutShaped(pc, line, codes, a, b, params, k, spans);
  }
  return params;
}

/**
 * Writes the values of token s[a, b) (chars also in `codes`) under a shaped pattern's pieces into
 * `params` from index `k`, one per hole; returns the index after them. Positions below are relative to `a`.
 */
function cutShaped(
  pieces: readonly string[],
  s: string,
  codes: Uint16Array,
  a: number,
  b: number,
  params: TemplateParam[],
  k: number,
  spans: Int32Array,
): number {
  const holes = pieces.length - 1;
  const first = pieces[0]!;
  const last = pieces[holes]!;
  const len = b - a;
  if (
    len >= first.length + last.length &&
    codesAt(codes, a, first) &&
    codesAt(codes, b - last.length, last)
  ) {
    let pos = first.length;
    const end = len - last.length;
    let h = 1;
    for (; h < holes; h++) {
      const piece = pieces[h]!;
      let at = pos;
      // An occurrence that runs past the token is no match (as the first one in the rest of the line).
      if (piece !== "") {
        const x = indexInToken(codes, piece, a + pos + 1, b);
        at = x < 0 ? -1 : x - a;
      }
      if (at < 0 || at > end) break;
      spans[2 * (k + h - 1)] = a + pos;
      spans[2 * (k + h - 1) + 1] = a + at;
      params[k + h - 1] = { value: s.slice(a + pos, a + at), type: paramTypeAt(codes, a + pos, a + at) };
      pos = at + piece.length;
    }
    if (h === holes) {
      spans[2 * (k + holes - 1)] = a + pos;
      spans[2 * (k + holes - 1) + 1] = a + end;
      params[k + holes - 1] = {
        value: s.slice(a + pos, a + end),
        type: paramTypeAt(codes, a + pos, a + end),
      };
      return k + holes;
    }
  }
  // The token no longer fits the shape (should not happen for matched lines): report it whole once.
  spans[2 * k] = a;
  spans[2 * k + 1] = b;
  params[k] = { value: s.slice(a, b), type: paramTypeAt(codes, a, b) };
  for (let h = 1; h < holes; h++) {
    spans[2 * (k + h)] = b;
    spans[2 * (k + h) + 1] = b;
    params[k + h] = { value: "", type: null };
  }
  return k + holes;
}

/** Whether `codes` holds the chars of `t` from `at` on. */
function codesAt(codes: Uint16Array, at: number, t: string): boolean {
  for (let i = 0; i < t.length; i++) if (codes[at + i] !== t.charCodeAt(i)) return false;
  return true;
}

/**
 * The first index from `from` at which `piece` (not empty) occurs and ends by `b`, or -1: what searching
 * the rest of the line with `indexOf` and refusing an occurrence that runs past the token gives.
 */
function indexInToken(codes: Uint16Array, piece: string, from: number, b: number): number {
  const m = piece.length;
  const c0 = piece.charCodeAt(0);
  for (let x = from; x + m <= b; x++) {
    if (codes[x] !== c0) continue;
    let i = 1;
    while (i < m && codes[x + i] === piece.charCodeAt(i)) i++;
    if (i === m) return x;
  }
  return -1;
}
