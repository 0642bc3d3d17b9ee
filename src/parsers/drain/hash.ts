/** Small non-cryptographic hashes for in-memory indexes (never persisted, never used as ids). */

/** FNV-1a over UTF-16 code units, seeded. */
export function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes a token hash with its position so that equal tokens at different positions differ. */
export function mixPosition(h: number, position: number): number {
  let x = (h ^ Math.imul(position + 1, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
