/**
 * Sigma's string values: `*` and `?` wildcards with backslash escapes, parsed once into parts and compiled
 * into the cheapest test that decides them (equality, startsWith, endsWith, includes; a regular expression
 * only when wildcards sit inside the value). Matching is case-insensitive unless `cased`: the caller lowers
 * the event's value once per event and the pattern once here.
 */

/** One piece of a pattern: literal text, `*` (any run), `?` (one character), or one of a set (windash). */
export type PatternPart =
  | { kind: "text"; text: string }
  | { kind: "any" }
  | { kind: "one" }
  | { kind: "set"; chars: string };

export type Pattern = readonly PatternPart[];

/**
 * Parses a rule's string. Escapes (specification, "Escape Character"): `\*` and `\?` are the plain
 * characters, `\\` before a wildcard or another backslash is one backslash, and a backslash before anything
 * else is itself (so `C:\Windows` needs no doubling).
 */
export function parseWildcards(value: string): Pattern {
  const parts: PatternPart[] = [];
  let text = "";
  const flush = () => {
    if (text !== "") parts.push({ kind: "text", text });
    text = "";
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "\\") {
      const next = value[i + 1];
      if (next === "*" || next === "?" || next === "\\") {
        text += next;
        i++;
      } else text += c;
    } else if (c === "*") {
      flush();
      if (parts.at(-1)?.kind !== "any") parts.push({ kind: "any" });
    } else if (c === "?") {
      flush();
      parts.push({ kind: "one" });
    } else text += c;
  }
  flush();
  return parts;
}

/** A pattern of literal text only (an encoded value, a keyword). */
export function literal(text: string): Pattern {
  return text === "" ? [] : [{ kind: "text", text }];
}

/** The pattern's text when it holds no wildcard, else null (encodings need plain text). */
export function plainText(pattern: Pattern): string | null {
  let out = "";
  for (const part of pattern) {
    if (part.kind !== "text") return null;
    out += part.text;
  }
  return out;
}

/** `contains`, `startswith`, `endswith`: a `*` on either end, unless one is there already. */
export function withAnyAt(pattern: Pattern, start: boolean, end: boolean): Pattern {
  const out = [...pattern];
  if (start && out[0]?.kind !== "any") out.unshift({ kind: "any" });
  if (end && out.at(-1)?.kind !== "any") out.push({ kind: "any" });
  return out;
}

function lowerPart(part: PatternPart): PatternPart {
  if (part.kind === "text") return { kind: "text", text: part.text.toLowerCase() };
  if (part.kind === "set") return { kind: "set", chars: part.chars.toLowerCase() };
  return part;
}

function partSource(p: PatternPart): string {
  if (p.kind === "text") return escapeRegex(p.text);
  if (p.kind === "any") return ".*";
  if (p.kind === "one") return ".";
  return `[${escapeClass(p.chars)}]`;
}

// The syntax characters, the only ones a `u` regular expression lets one escape outside a class.
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;
export function escapeRegex(text: string): string {
  return text.replace(REGEX_SPECIAL, "\\$&");
}
const CLASS_SPECIAL = /[\]\\^-]/g;
function escapeClass(chars: string): string {
  return chars.replace(CLASS_SPECIAL, "\\$&");
}

/**
 * A test of one string value against the pattern. With `cased` false the pattern is lowered here and the
 * caller passes the lowered value.
 */
export function compilePattern(pattern: Pattern, cased: boolean): (value: string) => boolean {
  const parts = cased ? pattern : pattern.map(lowerPart);
  const n = parts.length;
  const first = parts[0];
  const last = parts[n - 1];
  if (n === 0) return (v) => v === "";
  if (n === 1 && first!.kind === "text") {
    const s = first!.text;
    return (v) => v === s;
  }
  if (n === 1 && first!.kind === "any") return () => true;
  if (n === 2 && first!.kind === "any" && last!.kind === "text") {
    const s = last!.text;
    return (v) => v.endsWith(s);
  }
  if (n === 2 && first!.kind === "text" && last!.kind === "any") {
    const s = first!.text;
    return (v) => v.startsWith(s);
  }
  if (n === 3 && first!.kind === "any" && parts[1]!.kind === "text" && last!.kind === "any") {
    const s = (parts[1] as { text: string }).text;
    return (v) => v.includes(s);
  }
  const source = parts.map(partSource).join("");
  // `s`: a wildcard spans line breaks too (a command line may hold one); `u`: `?` is one character even
  // outside the BMP.
  const regex = new RegExp(`^${source}$`, "su");
  return (v) => regex.test(v);
}
