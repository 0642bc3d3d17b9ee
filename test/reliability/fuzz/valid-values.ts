import fc from "fast-check";
import type { JsonSchema } from "../openapi-operations.js";
import { type JsonText, token } from "./json-text.js";

/** Plausible values for fields whose names say what they hold. */
const FIELD_HINTS: [RegExp, fc.Arbitrary<string>][] = [
  [
    /timestamp|since|until|_at$|time/i,
    fc
      .date({
        min: new Date("2020-01-01T00:00:00Z"),
        max: new Date("2030-01-01T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
  ],
  [/(^|_)ip$/i, fc.ipV4()],
  [/email/i, fc.emailAddress()],
];

/** A value that satisfies `schema` (roughly: a fuzzer's valid value only has to be close). */
export function validJson(schema: JsonSchema, name = "", depth = 0): fc.Arbitrary<JsonText> {
  if (depth > 4) return fc.constant(token(null));
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => validJson(s, name, depth + 1)));
  if (schema.enum?.length) return fc.constantFrom(...schema.enum).map(token);
  switch (schema.type) {
    case "string":
      return validString(schema, name).map(token);
    case "integer":
      return fc
        .integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1000, 2 ** 31) })
        .map(token);
    case "number":
      return fc
        .double({
          min: schema.minimum ?? 0,
          max: schema.maximum ?? 1000,
          noNaN: true,
          noDefaultInfinity: true,
        })
        .map(token);
    case "boolean":
      return fc.boolean().map(token);
    case "array":
      return fc
        .array(validJson(schema.items ?? {}, name, depth + 1), {
          minLength: schema.minItems ?? 0,
          maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
        })
        .map((items): JsonText => ({ kind: "array", items }));
    default:
      break;
  }
  if (schema.type === "object" || schema.properties) {
    const required = new Set(schema.required ?? []);
    const fields = Object.entries(schema.properties ?? {}).map(([key, s]) =>
      required.has(key)
        ? validJson(s, key, depth + 1).map((v): [string, JsonText] | null => [key, v])
        : fc.option(
            validJson(s, key, depth + 1).map((v): [string, JsonText] => [key, v]),
            { nil: null, freq: 3 },
          ),
    );
    return fc
      .tuple(...fields)
      .map((entries): JsonText => ({ kind: "object", entries: entries.filter((e) => e !== null) }));
  }
  return fc.jsonValue({ maxDepth: 2 }).map(token);
}

function validString(schema: JsonSchema, name: string): fc.Arbitrary<string> {
  if (schema.format === "date-time") return FIELD_HINTS[0]![1];
  if (schema.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(schema.pattern))
        .filter((s) => s.length <= (schema.maxLength ?? 4096));
    } catch {
      // A pattern fast-check cannot invert: any short text, which the server will mostly refuse.
    }
  }
  const hint = FIELD_HINTS.find(([re]) => re.test(name));
  if (hint) return hint[1];
  const minLength = schema.minLength ?? 0;
  return fc.string({ minLength, maxLength: Math.max(minLength, Math.min(schema.maxLength ?? 24, 24)) });
}

/** A JSON token as the plain text a query parameter carries (`"abc"` → `abc`). */
export function plain(v: JsonText): string {
  if (v.kind !== "token") return "";
  try {
    const parsed: unknown = JSON.parse(v.text);
    return typeof parsed === "string" ? parsed : JSON.stringify(parsed);
  } catch {
    return v.text;
  }
}
