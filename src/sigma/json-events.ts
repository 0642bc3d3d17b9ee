/**
 * Events given as JSON text: one value, an array of them, one per line, or objects written one after the
 * other (SigmaHQ's regression files concatenate pretty-printed events). A scan that tracks strings and
 * nesting cuts the text into top-level values without a streaming parser.
 */
export function splitJsonValues(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(JSON.parse(text.slice(start, i + 1)));
        start = -1;
      }
    }
  }
  if (depth !== 0) throw new Error("unbalanced JSON: a value is not closed");
  // A top-level array is a list of events.
  return out.length === 1 && Array.isArray(out[0]) ? out[0] : out;
}

/** Whether the text looks like JSON events rather than log lines. */
export function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === "{" || first === "[";
}
