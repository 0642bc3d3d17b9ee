import type { TemplateParam } from "../../core/log-record.js";
import { paramType } from "./mask.js";
import type { LineScanner } from "./scan.js";

/**
 * Cuts the parameter values out of the scanned line given the cluster's parameter pieces: a `<*>`
 * token (pieces null) yields the whole token, a shaped token such as `blk_<*>` or `/<*>:<*>` yields
 * the text between its literal pieces. Only parameter text is sliced out of the line.
 */
export function extractParams(
  pieces: readonly (readonly string[] | null)[],
  positions: readonly number[],
  sc: LineScanner,
): TemplateParam[] {
  const params: TemplateParam[] = [];
  const line = sc.line;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    const pc = pieces[i] ?? null;
    if (pc === null) {
      const value = line.slice(sc.start[p]!, sc.end[p]!);
      params.push({ value, type: sc.bareNum[p] === 1 ? "num" : paramType(value) });
    } else cutShaped(pc, line, sc.start[p]!, sc.end[p]!, params);
  }
  return params;
}

/** Values of token s[a, b) under a shaped pattern's pieces; positions below are relative to `a`, as in the token. */
function cutShaped(
  pieces: readonly string[],
  s: string,
  a: number,
  b: number,
  params: TemplateParam[],
): void {
  const holes = pieces.length - 1;
  const first = pieces[0]!;
  const last = pieces[holes]!;
  const len = b - a;
  let ok = len >= first.length + last.length && s.startsWith(first, a) && s.startsWith(last, b - last.length);
  const start = params.length;
  if (ok) {
    let pos = first.length;
    const end = len - last.length;
    for (let k = 1; k < holes; k++) {
      const piece = pieces[k]!;
      let at = pos;
      if (piece !== "") {
        // Searching the line, not the token: an occurrence that runs past the token is no match.
        const x = s.indexOf(piece, a + pos + 1);
        at = x < 0 || x + piece.length > b ? -1 : x - a;
      }
      if (at < 0 || at > end) {
        ok = false;
        break;
      }
      const value = s.slice(a + pos, a + at);
      params.push({ value, type: paramType(value) });
      pos = at + piece.length;
    }
    if (ok) {
      const value = s.slice(a + pos, a + end);
      params.push({ value, type: paramType(value) });
    }
  }
  if (!ok) {
    // The token no longer fits the shape (should not happen for matched lines): report it whole once.
    params.length = start;
    const tok = s.slice(a, b);
    params.push({ value: tok, type: paramType(tok) });
    for (let k = 1; k < holes; k++) params.push({ value: "", type: null });
  }
}
