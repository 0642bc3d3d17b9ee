/** ASCII character-code tests shared by the hand-written scanners (header stripper, miner, decoders). */

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Whether `s` holds no ASCII digit. */
export function digitFree(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isDigit(s.charCodeAt(i))) return false;
  return true;
}

/**
 * `s` as a string of its own: V8 keeps a slice of 13 chars or more as a view of the string it was cut
 * from, so a slice kept for long (a memo entry's) would keep a whole request body or file chunk alive.
 */
export function ownCopy(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, "utf16le").toString("utf16le");
}
