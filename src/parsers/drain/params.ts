import type { TemplateParam } from "../../core/log-record.js";
import { paramType, WILDCARD } from "./mask.js";

/**
 * Cuts the parameter values out of one line given its template tokens: a `<*>` token yields the whole
 * token, a shaped token such as `blk_<*>` or `/<*>:<*>` yields the text between its literal pieces.
 */
export function extractParams(
  tpl: readonly string[],
  positions: readonly number[],
  tokens: readonly string[],
): TemplateParam[] {
  const params: TemplateParam[] = [];
  for (const p of positions) {
    const t = tpl[p]!;
    const tok = tokens[p]!;
    if (t === WILDCARD) params.push({ value: tok, type: paramType(tok) });
    else cutShaped(t, tok, params);
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

function cutShaped(pattern: string, tok: string, params: TemplateParam[]): void {
  const pieces = piecesOf(pattern);
  const holes = pieces.length - 1;
  const first = pieces[0]!;
  const last = pieces[holes]!;
  let ok = tok.startsWith(first) && tok.endsWith(last) && tok.length >= first.length + last.length;
  const values: string[] = [];
  if (ok) {
    let pos = first.length;
    const end = tok.length - last.length;
    for (let k = 1; k < holes; k++) {
      const piece = pieces[k]!;
      const at = piece === "" ? pos : tok.indexOf(piece, pos + 1);
      if (at < 0 || at > end) {
        ok = false;
        break;
      }
      values.push(tok.slice(pos, at));
      pos = at + piece.length;
    }
    if (ok) values.push(tok.slice(pos, end));
  }
  if (!ok) {
    // The token no longer fits the shape (should not happen for matched lines): report it whole once.
    params.push({ value: tok, type: paramType(tok) });
    for (let k = 1; k < holes; k++) params.push({ value: "", type: null });
    return;
  }
  for (const v of values) params.push({ value: v, type: paramType(v) });
}
