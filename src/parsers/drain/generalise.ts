import { WILDCARD } from "./mask.js";

/** Punctuation a kept prefix may end with (`user=`, `(`, `'/udev/`): it opens a value. */
function opensValue(c: number): boolean {
  return (
    c === 61 ||
    c === 40 ||
    c === 91 ||
    c === 123 ||
    c === 39 ||
    c === 34 ||
    c === 47 ||
    c === 58 ||
    c === 35 ||
    c === 64
  );
}

/** Punctuation a kept suffix may start with (`)`, `,`, `/name`): it closes a value. */
function closesValue(c: number): boolean {
  return (
    c === 41 ||
    c === 93 ||
    c === 125 ||
    c === 39 ||
    c === 34 ||
    c === 44 ||
    c === 59 ||
    c === 58 ||
    c === 47 ||
    c === 35
  );
}

/** A prefix or suffix may frame a wildcard if it does not cut a `<*>` and, when it holds one, has a letter. */
function usable(part: string): boolean {
  if (part.indexOf(WILDCARD) < 0) return true;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      // Letters inside the wildcard marker itself do not exist ("<*>"), so any letter counts.
      return true;
    }
  }
  return false;
}

/**
 * The most specific pattern covering two token patterns, keeping a common prefix and suffix only up to
 * punctuation: `user=root` + `user=test` → `user=<*>`, `(a.com)` + `()` → `(<*>)`,
 * `/<*>/blk_<*>` + `/mnt/data/blk_<*>` → `/<*>/blk_<*>`, `lo` + `sit0` → `<*>`.
 */
export function generalise(a: string, b: string): string {
  if (a === b) return a;
  if (a === WILDCARD || b === WILDCARD) return WILDCARD;
  const max = Math.min(a.length, b.length);
  let p = 0;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  // Back off to a boundary: the prefix must end with punctuation that is not part of a `<*>`.
  while (p > 0) {
    const c = a.charCodeAt(p - 1);
    const pre = a.slice(0, p);
    if (opensValue(c) && !pre.endsWith("<") && !pre.endsWith("<*") && !pre.endsWith(WILDCARD) && usable(pre))
      break;
    p--;
  }
  let s = 0;
  while (s < max - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  while (s > 0) {
    const c = a.charCodeAt(a.length - s);
    const suf = a.slice(a.length - s);
    if (
      closesValue(c) &&
      !suf.startsWith(">") &&
      !suf.startsWith("*>") &&
      !suf.startsWith(WILDCARD) &&
      usable(suf)
    )
      break;
    s--;
  }
  if (p === 0 && s === 0) return WILDCARD;
  return a.slice(0, p) + WILDCARD + a.slice(a.length - s);
}
