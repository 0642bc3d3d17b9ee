/** Any value that survives JSON.stringify → JSON.parse unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Sets a key on a plain object. `obj["__proto__"] = v` would replace the prototype instead of adding a
 * field, and input JSON may legitimately (or maliciously) carry that key.
 */
export function setField(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === "__proto__")
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * How deep request JSON may nest. Past a few thousand levels the recursive walks over a value (JSON.stringify
 * when it is stored, validation, flattening) overflow the stack: 10,000 levels were 500s. No log record, alert,
 * OTLP export or GraphQL response nests anywhere near this (serde_json's default limit is also 128).
 */
export const MAX_JSON_DEPTH = 128;

/** Whether JSON text nests arrays and objects deeper than `limit`: a linear scan that skips strings, no parse. */
export function nestsDeeperThan(text: string, limit = MAX_JSON_DEPTH): boolean {
  // Nesting deeper than `limit` takes more than `limit` opening brackets. Counting them with indexOf (native,
  // a few hits in a log line) settles almost every text without the character loop below, which was 2% of
  // the event loop's time in NDJSON ingest (one call per line).
  if (fewerOpenersThan(text, limit + 1)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Whether `text` holds fewer than `n` of `{` and `[` together (quoted ones count too: a bound, not a parse). */
function fewerOpenersThan(text: string, n: number): boolean {
  let count = 0;
  for (let i = text.indexOf("{"); i >= 0; i = text.indexOf("{", i + 1)) if (++count >= n) return false;
  for (let i = text.indexOf("["); i >= 0; i = text.indexOf("[", i + 1)) if (++count >= n) return false;
  return true;
}

/** JSON.parse that refuses text nested deeper than MAX_JSON_DEPTH with a SyntaxError, as it does bad JSON. */
export function parseJson(text: string): unknown {
  if (nestsDeeperThan(text)) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  return JSON.parse(text);
}

/**
 * Whether `JSON.stringify` gives two objects the same text, judged without writing it: the same own keys
 * in the same order, each value the same (`===`: one primitive, or one object). False when unsure.
 */
export function sameJsonText(a: JsonObject, b: JsonObject): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key !== other[i] || a[key] !== b[key]) return false;
  }
  return true;
}
