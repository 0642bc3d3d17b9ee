import type { TemplateParam } from "../../core/log-record.js";
import { paramType, WILDCARD } from "./mask.js";
import type { LineScanner } from "./scan.js";

/**
 * Cuts the parameter values out of the scanned line given its template tokens: a `<*>` token yields
 * the whole token, a shaped token such as `blk_<*>` or `/<*>:<*>` yields the text between its literal
 * pieces. Only parameter text is sliced out of the line.
 */
export function extractParams(
  tpl: readonly string[],
  positions: readonly number[],
  sc: LineScanner,
): TemplateParam[] {
  const params: TemplateParam[] = [];
  const line = sc.line;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    const t = tpl[p]!;
    if (t === WILDCARD) {
      const value = line.slice(sc.start[p]!, sc.end[p]!);
      params.push({ value, type: paramType(value) });
    } else cutShaped(t, line, sc.start[p]!, sc.end[p]!, params);
  }
  return params;
}

/** Literal pieces of each shaped template token, cached: templates are few, lines are many. */
const piecesCache = new Map<string, string[]>();

function piecesOf(pattern: string): string[] {
  let pieces = piecesCache.get(pattern);
  if (!pieces) {
    if (piecesCache.size >= 10_000) piecesCache.clear();
    pieces = pattern.split(WILDCARD);
    piecesCache.set(pattern, pieces);
  }
  return pieces;
}

/** Values of token s[a, b) under a shaped pattern; positions below are relative to `a`, as in the token. */
function cutShaped(pattern: string, s: string, a: number, b: number, params: TemplateParam[]): void {
  const pieces = piecesOf(pattern);
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
