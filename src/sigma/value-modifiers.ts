/**
 * One `field|modifier|…: value(s)` entry of a selection, compiled into a test of the event. Every modifier
 * of the specification's modifiers appendix (v2.1) is here; one this file does not know, or a combination
 * it cannot evaluate exactly, throws `Unsupported` and the rule is refused.
 *
 * String values go through the transformations in the order written (`contains`, `startswith`,
 * `endswith`, `windash`, `base64`, `base64offset`, `wide`/`utf16*`, `expand`), then become one test each;
 * a list is any-of, or all-of with `all`. Type modifiers replace the string test: `re` (flags `i`, `m`, `s`),
 * `cidr`, `exists`, `fieldref`, `gt`/`gte`/`lt`/`lte`, and the time parts (`minute` … `year`). `neq`
 * negates the whole entry; `cased` keeps case.
 */
import { compileCidr } from "./cidr.js";
import { base64, base64offset, type Encoded, textOf, utf16be, utf16bom, utf16le } from "./encodings.js";
import { type FieldAccess, type FieldTable, scalarText } from "./event-fields.js";
import { allOf, anyOf, type Literal, literalOf, type Need, needOf } from "./necessary-literals.js";
import { requiredRegexLiteral } from "./regex-literal.js";
import { Unsupported } from "./unsupported.js";
import { compilePattern, literal, type Pattern, parseWildcards, plainText, withAnyAt } from "./wildcard.js";

export type EventTest = (ev: FieldAccess) => boolean;

/** A value as YAML gives it in a selection. */
export type RuleScalar = string | number | boolean | null;

/** Placeholder name (without `%`) → values, for `expand`. */
export type Placeholders = ReadonlyMap<string, readonly string[]>;

export interface CompileContext {
  fields: FieldTable;
  placeholders: Placeholders;
}

/** A compiled entry, with the field it reads (null for keywords) so a finding can name what matched. */
export interface FieldEntry {
  field: string | null;
  test: EventTest;
  /** Literals one of which the event must contain for the entry to hold (null: none known). */
  need: Need;
}

interface Compiled {
  test: EventTest;
  need: Need;
}

const KNOWN = new Set([
  "contains",
  "startswith",
  "endswith",
  "all",
  "windash",
  "base64",
  "base64offset",
  "wide",
  "utf16le",
  "utf16be",
  "utf16",
  "re",
  "i",
  "m",
  "s",
  "cidr",
  "exists",
  "fieldref",
  "gt",
  "gte",
  "lt",
  "lte",
  "neq",
  "cased",
  "expand",
  "minute",
  "hour",
  "day",
  "week",
  "month",
  "year",
]);
const TRANSFORMS = new Set([
  "contains",
  "startswith",
  "endswith",
  "windash",
  "base64",
  "base64offset",
  "wide",
  "utf16le",
  "utf16be",
  "utf16",
  "expand",
]);
const NUMERIC = new Set(["gt", "gte", "lt", "lte"]);
const TIME_PARTS = new Set(["minute", "hour", "day", "week", "month", "year"]);

export function compileEntry(key: string, value: unknown, ctx: CompileContext): FieldEntry {
  const [fieldName, ...rawMods] = key.split("|");
  const mods = rawMods.map((m) => m.toLowerCase());
  for (const m of mods)
    if (!KNOWN.has(m)) throw new Unsupported("modifier", `unknown modifier '${m}' in '${key}'`);
  const field = fieldName === "" ? null : fieldName!;
  const values = toValues(value, key);
  const neq = mods.includes("neq");
  const { test, need } = compileValues(
    field,
    mods.filter((m) => m !== "neq"),
    values,
    key,
    ctx,
  );
  return neq ? { field, test: negate(test), need: null } : { field, test, need };
}

function toValues(value: unknown, key: string): RuleScalar[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new Unsupported("value", `'${key}' has an empty list`);
  for (const v of list) {
    if (v !== null && typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean")
      throw new Unsupported("value", `'${key}' has a value that is not a string, number, boolean or null`);
  }
  return list as RuleScalar[];
}

function negate(test: EventTest): EventTest {
  return (ev) => !test(ev);
}

function compileValues(
  field: string | null,
  mods: readonly string[],
  values: readonly RuleScalar[],
  key: string,
  ctx: CompileContext,
): Compiled {
  const all = mods.includes("all");
  const cased = mods.includes("cased");
  const rest = mods.filter((m) => m !== "all" && m !== "cased");
  const combine = (tests: EventTest[]): EventTest => {
    if (tests.length === 1) return tests[0]!;
    return all
      ? (ev) => {
          for (const t of tests) if (!t(ev)) return false;
          return true;
        }
      : (ev) => {
          for (const t of tests) if (t(ev)) return true;
          return false;
        };
  };

  if (rest.includes("exists")) {
    if (rest.length !== 1 || values.length !== 1 || typeof values[0] !== "boolean")
      throw new Unsupported("modifier", `'${key}': exists takes one true or false and no other modifier`);
    if (field === null) throw new Unsupported("modifier", `'${key}': exists needs a field`);
    const slot = ctx.fields.slotOf(field);
    const want = values[0];
    return { test: (ev) => (ev.raw(slot) !== undefined) === want, need: null };
  }

  // `null`: the field is absent or null. The specification keeps null out of lists; an entry with null and
  // other values is read as "null or one of them", the only meaning it could have.
  const nullTest: EventTest | null = values.includes(null)
    ? (() => {
        if (field === null) throw new Unsupported("value", `'${key}': a keyword cannot be null`);
        if (rest.length > 0) throw new Unsupported("modifier", `'${key}': null with modifiers`);
        const slot = ctx.fields.slotOf(field);
        return (ev: FieldAccess) => {
          const v = ev.raw(slot);
          return v === undefined || v === null;
        };
      })()
    : null;
  const nonNull = values.filter((v): v is string | number | boolean => v !== null);
  if (nonNull.length === 0) return { test: nullTest!, need: null };

  // Per test, the literal it needs (string tests and regexes; the others none).
  let compiled: TestWithLiteral[];
  if (rest.includes("re")) compiled = regexTests(field, rest, nonNull, key, ctx);
  else if (rest.includes("cidr")) compiled = withoutLiterals(cidrTests(field, rest, nonNull, key, ctx));
  else if (rest.includes("fieldref"))
    compiled = withoutLiterals(fieldrefTests(field, rest, nonNull, key, ctx, cased));
  else if (rest.some((m) => TIME_PARTS.has(m)))
    compiled = withoutLiterals(timeTests(field, rest, nonNull, key, ctx));
  else if (rest.some((m) => NUMERIC.has(m)))
    compiled = withoutLiterals(numericTests(field, rest, nonNull, key, ctx));
  else compiled = stringTests(field, rest, nonNull, key, ctx, cased);
  const test = combine(compiled.map((c) => c.test));
  if (nullTest) return { test: (ev) => nullTest(ev) || test(ev), need: null };
  const needs: Need[] = compiled.map((c) => needOf(c.literal));
  return { test, need: all ? allOf(needs) : anyOf(needs) };
}

/** One value's test and the literal every value it accepts holds (null: none known). */
interface TestWithLiteral {
  test: EventTest;
  literal: Literal | null;
}

function withoutLiterals(tests: readonly EventTest[]): TestWithLiteral[] {
  return tests.map((test) => ({ test, literal: null }));
}

/** A test of each string form of the field (a list-valued field matches when any element does). */
function onField(
  field: string,
  ctx: CompileContext,
  lowered: boolean,
  test: (s: string) => boolean,
): EventTest {
  const slot = ctx.fields.slotOf(field);
  return (ev) => {
    const s = lowered ? ev.lowered(slot) : ev.text(slot);
    if (s !== undefined) return test(s);
    const raw = ev.raw(slot);
    if (!Array.isArray(raw)) return false;
    for (const item of raw) {
      const t = scalarText(item);
      if (t !== undefined && test(lowered ? t.toLowerCase() : t)) return true;
    }
    return false;
  };
}

function onKeywords(lowered: boolean, test: (s: string) => boolean): EventTest {
  return (ev) => {
    for (const k of ev.keywords(lowered)) if (test(k)) return true;
    return false;
  };
}

function stringTests(
  field: string | null,
  mods: readonly string[],
  values: readonly (string | number | boolean)[],
  key: string,
  ctx: CompileContext,
  cased: boolean,
): { test: EventTest; literal: Literal | null }[] {
  for (const m of mods)
    if (!TRANSFORMS.has(m))
      throw new Unsupported("modifier", `'${key}': '${m}' cannot follow these modifiers`);
  let patterns: { pattern: Pattern; encoded: Encoded | null }[] = [];
  for (const v of values) {
    if (typeof v === "string" && mods[0] === "expand") {
      for (const text of expandPlaceholders(v, key, ctx.placeholders))
        patterns.push({ pattern: parseWildcards(text), encoded: null });
    } else {
      // Numbers and booleans compare as they are written (EventID 4688 matches "4688").
      const pattern = typeof v === "string" ? parseWildcards(v) : literal(String(v));
      patterns.push({ pattern, encoded: null });
    }
  }
  for (const m of mods) {
    if (m === "expand") {
      if (m !== mods[0]) throw new Unsupported("modifier", `'${key}': expand must come first`);
      continue;
    }
    patterns = patterns.flatMap(({ pattern, encoded }) => applyTransform(m, pattern, encoded, key));
  }
  // Keywords search inside the text (pySigma's full-text search): a keyword is a contains.
  return patterns.map(({ pattern }) => {
    const p = field === null ? withAnyAt(pattern, true, true) : pattern;
    const match = compilePattern(p, cased);
    const test = field === null ? onKeywords(!cased, match) : onField(field, ctx, !cased, match);
    return { test, literal: literalOf(field, p, cased) };
  });
}

function encodedOf(pattern: Pattern, encoded: Encoded | null, m: string, key: string): Encoded {
  if (encoded) return encoded;
  const text = plainText(pattern);
  if (text === null) throw new Unsupported("modifier", `'${key}': ${m} of a value with wildcards`);
  return { kind: "text", text };
}

function applyTransform(
  m: string,
  pattern: Pattern,
  encoded: Encoded | null,
  key: string,
): { pattern: Pattern; encoded: Encoded | null }[] {
  const fromEncoded = (e: Encoded) => ({ pattern: literal(textOf(e)), encoded: e });
  switch (m) {
    case "contains":
      return [{ pattern: withAnyAt(pattern, true, true), encoded: null }];
    case "startswith":
      return [{ pattern: withAnyAt(pattern, false, true), encoded: null }];
    case "endswith":
      return [{ pattern: withAnyAt(pattern, true, false), encoded: null }];
    case "windash":
      return [{ pattern: windash(pattern), encoded: null }];
    case "base64":
      return [fromEncoded(base64(encodedOf(pattern, encoded, m, key)))];
    case "base64offset":
      return base64offset(encodedOf(pattern, encoded, m, key)).map(fromEncoded);
    case "wide":
    case "utf16le":
      return [fromEncoded(utf16le(encodedOf(pattern, encoded, m, key)))];
    case "utf16be":
      return [fromEncoded(utf16be(encodedOf(pattern, encoded, m, key)))];
    case "utf16":
      return [fromEncoded(utf16bom(encodedOf(pattern, encoded, m, key)))];
    default:
      throw new Unsupported("modifier", `'${key}': '${m}' is not a transformation`);
  }
}

/**
 * `windash`: a `-` or `/` that starts a command-line flag (after a non-word character, before a word
 * character: pySigma's `\B[-/]\b`) matches any of `-`, `/`, en dash, em dash and horizontal bar. One
 * character class instead of the 5ⁿ spelled-out permutations: the same set of matches, one test.
 */
const DASHES = "-/\u2013\u2014\u2015";
function windash(pattern: Pattern): Pattern {
  const out: Pattern[number][] = [];
  const isWord = (c: string | undefined) => c !== undefined && /\w/.test(c);
  pattern.forEach((part, i) => {
    if (part.kind !== "text") {
      out.push(part);
      return;
    }
    const prevPart = pattern[i - 1];
    const nextPart = pattern[i + 1];
    let text = "";
    for (let j = 0; j < part.text.length; j++) {
      const c = part.text[j]!;
      // Across a wildcard the neighbour is unknown: like pySigma, which sees the wildcard as a non-word.
      const before = j > 0 ? part.text[j - 1] : prevPart?.kind === "text" ? prevPart.text.at(-1) : undefined;
      const after =
        j + 1 < part.text.length
          ? part.text[j + 1]
          : nextPart?.kind === "text"
            ? nextPart.text[0]
            : undefined;
      if ((c === "-" || c === "/") && !isWord(before) && isWord(after)) {
        if (text !== "") out.push({ kind: "text", text });
        text = "";
        out.push({ kind: "set", chars: DASHES });
      } else text += c;
    }
    if (text !== "") out.push({ kind: "text", text });
  });
  return out;
}

/** `%name%` placeholders replaced by their configured values (every combination); `\%` is a plain `%`. */
function expandPlaceholders(value: string, key: string, placeholders: Placeholders): string[] {
  let results = [""];
  const re = /\\%|%([^%]+)%|[^%\\]+|\\|%/g;
  for (const m of value.matchAll(re)) {
    const token = m[0];
    if (token === "\\%") results = results.map((r) => `${r}%`);
    else if (m[1] !== undefined) {
      const values = placeholders.get(m[1]);
      if (!values || values.length === 0)
        throw new Unsupported("placeholder", `'${key}': placeholder %${m[1]}% has no values configured`);
      results = results.flatMap((r) => values.map((v) => r + v));
    } else results = results.map((r) => r + token);
  }
  return results;
}

function regexTests(
  field: string | null,
  mods: readonly string[],
  values: readonly (string | number | boolean)[],
  key: string,
  ctx: CompileContext,
): TestWithLiteral[] {
  let flags = "";
  for (const m of mods) {
    if (m === "re") continue;
    if (m === "i" || m === "m" || m === "s") flags += m;
    else throw new Unsupported("modifier", `'${key}': '${m}' with re`);
  }
  return values.map((v) => {
    let source = String(v);
    // PCRE's leading inline flags, which JavaScript spells as flags.
    const inline = /^\(\?([imsx]+)\)/.exec(source);
    let f = flags;
    if (inline) {
      if (inline[1]!.includes("x")) throw new Unsupported("regex", `'${key}': extended-mode regex (?x)`);
      f += inline[1];
      source = source.slice(inline[0].length);
    }
    let regex: RegExp;
    try {
      regex = new RegExp(source, [...new Set(f)].join(""));
    } catch (error) {
      throw new Unsupported("regex", `'${key}': ${(error as Error).message}`);
    }
    const test = (s: string) => regex.test(s);
    const text = requiredRegexLiteral(source);
    return {
      test: field === null ? onKeywords(false, test) : onField(field, ctx, false, test),
      literal: text === null ? null : { field, text },
    };
  });
}

function cidrTests(
  field: string | null,
  mods: readonly string[],
  values: readonly (string | number | boolean)[],
  key: string,
  ctx: CompileContext,
): EventTest[] {
  if (field === null || mods.length !== 1)
    throw new Unsupported("modifier", `'${key}': cidr on a field, alone`);
  return values.map((v) => {
    let test: (s: string) => boolean;
    try {
      test = compileCidr(String(v));
    } catch (error) {
      throw new Unsupported("value", `'${key}': ${(error as Error).message}`);
    }
    return onField(field, ctx, false, test);
  });
}

function numericTests(
  field: string | null,
  mods: readonly string[],
  values: readonly (string | number | boolean)[],
  key: string,
  ctx: CompileContext,
): EventTest[] {
  if (field === null || mods.length !== 1)
    throw new Unsupported("modifier", `'${key}': one comparison on a field`);
  const slot = ctx.fields.slotOf(field);
  const op = mods[0]!;
  return values.map((v) => {
    const limit = Number(v);
    if (typeof v === "boolean" || Number.isNaN(limit))
      throw new Unsupported("value", `'${key}': ${op} needs a number, not '${v}'`);
    const compare = comparator(op, limit);
    return (ev) => {
      const n = numberOf(ev.raw(slot));
      return n !== null && compare(n);
    };
  });
}

export function comparator(op: string, limit: number): (n: number) => boolean {
  switch (op) {
    case "gt":
      return (n) => n > limit;
    case "gte":
      return (n) => n >= limit;
    case "lt":
      return (n) => n < limit;
    case "lte":
      return (n) => n <= limit;
    default:
      return (n) => n === limit;
  }
}

function numberOf(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

/**
 * Time parts (`minute`, `hour`, `day`, `week`, `month`, `year`) of a date field, in UTC (the appendix:
 * no time zone conversion), compared with `=`, or with one numeric modifier after it.
 */
function timeTests(
  field: string | null,
  mods: readonly string[],
  values: readonly (string | number | boolean)[],
  key: string,
  ctx: CompileContext,
): EventTest[] {
  const part = mods[0]!;
  const op = mods[1] ?? "eq";
  if (field === null || !TIME_PARTS.has(part) || mods.length > 2 || (mods[1] && !NUMERIC.has(mods[1])))
    throw new Unsupported("modifier", `'${key}': a time part, then at most one comparison`);
  const slot = ctx.fields.slotOf(field);
  return values.map((v) => {
    const compare = comparator(op, Number(v));
    return (ev) => {
      const raw = ev.raw(slot);
      const ms = typeof raw === "number" ? raw : typeof raw === "string" ? Date.parse(raw) : Number.NaN;
      if (Number.isNaN(ms)) return false;
      return compare(timePart(new Date(ms), part));
    };
  });
}

function timePart(d: Date, part: string): number {
  switch (part) {
    case "minute":
      return d.getUTCMinutes();
    case "hour":
      return d.getUTCHours();
    case "day":
      return d.getUTCDate();
    case "month":
      return d.getUTCMonth() + 1;
    case "year":
      return d.getUTCFullYear();
    default: {
      // ISO week number.
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const day = t.getUTCDay() || 7;
      t.setUTCDate(t.getUTCDate() + 4 - day);
      const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
      return Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
    }
  }
}

/**
 * `fieldref`: the value names another field, and the entry holds when this field equals it (or contains,
 * starts or ends with it), case-insensitive unless `cased`.
 */
function fieldrefTests(
  field: string | null,
  mods: readonly string[],
  values: readonly (string | number | boolean)[],
  key: string,
  ctx: CompileContext,
  cased: boolean,
): EventTest[] {
  if (field === null) throw new Unsupported("modifier", `'${key}': fieldref needs a field`);
  const others = mods.filter((m) => m !== "fieldref");
  const how = others[0] ?? "equals";
  if (others.length > 1 || !["equals", "contains", "startswith", "endswith"].includes(how))
    throw new Unsupported("modifier", `'${key}': fieldref with ${others.join("|")}`);
  const slot = ctx.fields.slotOf(field);
  return values.map((v) => {
    const other = ctx.fields.slotOf(String(v));
    return (ev) => {
      const a = cased ? ev.text(slot) : ev.lowered(slot);
      const b = cased ? ev.text(other) : ev.lowered(other);
      if (a === undefined || b === undefined) return false;
      if (how === "contains") return a.includes(b);
      if (how === "startswith") return a.startsWith(b);
      if (how === "endswith") return a.endsWith(b);
      return a === b;
    };
  });
}
