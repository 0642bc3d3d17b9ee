/**
 * Whitespace tokeniser with a token cap. Fills a caller-owned array (reused across lines, so the hot
 * path allocates only the token strings themselves) and returns the token count.
 */

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Set by `tokenize`: whether the last line hit the cap (extra tokens were folded into the last one). */
export const tokenizeInfo = { truncated: false };

export function tokenize(line: string, out: string[], maxTokens: number): number {
  const n = line.length;
  let count = 0;
  let i = 0;
  tokenizeInfo.truncated = false;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    if (count === maxTokens - 1) {
      // Last slot: the rest of the line, so a runaway line costs one token, not thousands.
      let e = n;
      while (e > i && isSpace(line.charCodeAt(e - 1))) e--;
      const rest = line.slice(i, e);
      let j = i;
      while (j < e && !isSpace(line.charCodeAt(j))) j++;
      tokenizeInfo.truncated = j < e;
      out[count++] = rest;
      break;
    }
    const start = i;
    while (i < n && !isSpace(line.charCodeAt(i))) i++;
    out[count++] = line.slice(start, i);
  }
  return count;
}
