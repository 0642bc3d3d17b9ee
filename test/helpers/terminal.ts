/**
 * The control characters in `text` a terminal would obey (C0 but tab and newline, DEL, C1), as code
 * points: what text output must never carry from data (src/core/terminal-safe.ts).
 */
export function rawControls(text: string): number[] {
  const found: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f)) found.push(c);
  }
  return found;
}
