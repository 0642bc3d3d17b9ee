/**
 * The wildcard marker and the key hash, in a module of their own so the masker, the scanner and the
 * context rules share them without import cycles.
 */
export const WILD_TEXT = "<*>";

/**
 * The key hash: djb2 (`h * 33 + c`), char by char, from `KEY_HASH_SEED`. It only places lines in the
 * memo's table, whose every hit is verified char by char, so speed matters more than spread: a shift
 * and two adds per char, where FNV-1a's multiply took the scanner's hottest line. The per-line mix of
 * token hashes (`LineScanner.scan`) spreads the result.
 */
export const KEY_HASH_SEED = 5381;

/** The key hash after one more char. */
export function hashChar(h: number, c: number): number {
  return ((h << 5) + h + c) | 0;
}

/** Key hash state after feeding the three chars of `<*>` to `h`. */
export function hashWild(h: number): number {
  return hashChar(hashChar(hashChar(h, 60), 42), 62);
}

/** Key hash state after feeding s[a, b) (char codes) to `h`. */
export function hashSpan(s: Uint16Array, a: number, b: number, h: number): number {
  for (let i = a; i < b; i++) h = hashChar(h, s[i]!);
  return h;
}
