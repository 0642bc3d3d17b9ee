/**
 * The wildcard marker and the key hash, in a module of their own so the masker, the scanner and the
 * context rules share them without import cycles.
 */
export const WILD_TEXT = "<*>";

/** FNV-1a (32-bit) offset basis and prime: token keys are hashed with it, char by char. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a state after feeding the three chars of `<*>` to `h`. */
export function hashWild(h: number): number {
  h = Math.imul(h ^ 60, FNV_PRIME);
  h = Math.imul(h ^ 42, FNV_PRIME);
  return Math.imul(h ^ 62, FNV_PRIME);
}

/** FNV-1a state after feeding s[a, b) to `h`. */
export function hashSpan(s: string, a: number, b: number, h: number): number {
  for (let i = a; i < b; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}
