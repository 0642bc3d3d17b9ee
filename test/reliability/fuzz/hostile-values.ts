import fc from "fast-check";
import { binaryString } from "../../helpers/binary-string.js";

/**
 * The catalogue of hostile input (issue 17). None of these strings contains what the response checks look for
 * (`/work/`, `node:internal`, `.ts:`, `at …(` frames), so an answer that echoes one back is not a false alarm.
 */

/** SQL and SQLite FTS5 query syntax, for every free-text parameter and string field. */
export const SQL_AND_FTS5 = [
  '"',
  '""',
  '"unterminated',
  "*",
  "a*",
  "*a",
  "NEAR(",
  "NEAR(a b, -1)",
  "a OR",
  "OR",
  "AND NOT",
  "a NOT",
  "'--",
  "' OR '1'='1",
  "1;DROP TABLE logs;--",
  "';DROP TABLE anomalies;--",
  '") OR 1=1 --',
  "message:x",
  "logs_fts:*",
  "^a",
  "{a b}:c",
  "(",
  "()",
  "-a",
  "%",
  "_",
  "\\",
  "'",
  "`",
  "[a]",
  "$1",
  "?",
  ":name",
  "x' UNION SELECT token_hash FROM api_tokens --",
  "a\u0000b",
] as const;

/** Path traversal as it arrives in a URL segment (already URL text, sent as is). */
export const TRAVERSAL_SEGMENTS = [
  "..",
  "../",
  "..%2f",
  "%2e%2e%2f",
  "%2e%2e",
  "..%2f..%2f..%2fetc%2fpasswd",
  "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "..%5c..%5cwindows%5cwin.ini",
  "%252e%252e%252f",
  "....%2f%2f",
  "%2fetc%2fpasswd",
  "..%00",
  "%00",
  "a%00b",
  "%ff",
  "%c0%ae%c0%ae%2f",
  "%e0%80%ae",
  "%",
  "%zz",
  ".",
] as const;

/** Text that should be a number and is not, or is one at the edge. */
export const NUMBER_TEXTS = [
  "-1",
  "0",
  "-0",
  "00",
  "1e3",
  "1.5",
  "0x10",
  "+1",
  " 1",
  "1 ",
  "99999999999999999999",
  "9007199254740993",
  "9223372036854775808",
  "1e308",
  "1e999",
  "-1e308",
  "NaN",
  "Infinity",
  "-Infinity",
  "undefined",
  "null",
  "true",
  "[]",
  "{}",
  "\u0661\u0662",
] as const;

/** JSON number tokens at the edges (each is valid JSON; `1e999` parses to Infinity in JavaScript). */
export const JSON_NUMBER_TOKENS = [
  "0",
  "-0",
  "-1",
  "1.5",
  "1e308",
  "-1e308",
  "1e999",
  "-1e999",
  "5e-324",
  "1e-400",
  "9007199254740993",
  "-9007199254740993",
  "9223372036854775808",
  "18446744073709551616",
  "123456789012345678901234567890",
] as const;

/** Tokens that are not JSON at all but that lenient parsers accept. */
export const NON_JSON_TOKENS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "undefined",
  "'a'",
  "0x10",
  ".5",
  "+1",
] as const;

/** Keys that mean something to JavaScript objects. */
export const PROTOTYPE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
] as const;

/** Odd but valid Unicode, and the escapes JSON allows that are not valid text (lone surrogates). */
export const ODD_TEXT = [
  "",
  " ",
  "\u0000",
  "\u0000\u0000\u0000",
  "\t\r\n",
  "\u202eevil",
  "\u200b",
  "\ufeff",
  "\ud83d\ude00",
  "\ud800",
  "\udfff",
  "\uffff",
  "<script>alert(1)</script>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template-injection text, meant literally
  "${7*7}",
  "{{7*7}}",
  "%s%s%s%n",
  "\u0085",
] as const;

/** Byte sequences that are not UTF-8: a lone continuation, an overlong `.`, a truncated sequence, a surrogate. */
export const INVALID_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xfe, 0xff]),
  Buffer.from([0x80]),
  Buffer.from([0xc0, 0xae]),
  Buffer.from([0xe0, 0x80, 0xae]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
] as const;

/** A long string (sizes in characters); 10 MB is the figure, kept rare because each costs time. */
export const LONG_STRING_SIZES = [4 * 1024, 70 * 1024, 1024 * 1024 + 1] as const;
export const HUGE_STRING_SIZE = 10 * 1024 * 1024;

/** 10,000 levels of nesting, as JSON text: arrays, objects, and objects under a known key. */
export const DEEP_NESTING_LEVELS = 10_000;
export function deeplyNested(kind: "array" | "object", levels = DEEP_NESTING_LEVELS): string {
  if (kind === "array") return `${"[".repeat(levels)}1${"]".repeat(levels)}`;
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

/** A hostile string for a text field or parameter. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SQL_AND_FTS5) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_TEXT) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom("../../../../etc/passwd", "..\\..\\win.ini", "/etc/passwd", "~/.ssh"),
  },
  { weight: 2, arbitrary: binaryString({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(...LONG_STRING_SIZES).map((n) => "x".repeat(n)) },
);
