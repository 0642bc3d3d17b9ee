import fc from "fast-check";
import type { Operation } from "../openapi-operations.js";
import {
  deeplyNested,
  HUGE_STRING_SIZE,
  hostileText,
  INVALID_UTF8,
  JSON_NUMBER_TOKENS,
  NON_JSON_TOKENS,
  PROTOTYPE_KEYS,
} from "./hostile-values.js";
import { type JsonText, raw, slotsOf, token } from "./json-text.js";
import { validJson } from "./valid-values.js";

/** A leaf that does not belong: wrong type, edge number, non-JSON token, hostile text, bad bytes, depth, size. */
const hostileLeaf: fc.Arbitrary<[string, JsonText]> = fc.oneof(
  { weight: 6, arbitrary: hostileText.map((s): [string, JsonText] => ["hostile-text", token(s)]) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...JSON_NUMBER_TOKENS).map((t): [string, JsonText] => ["edge-number", raw(t)]),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom("NaN", "Infinity", "-Infinity", "1e999")
      .map((t): [string, JsonText] => ["number-as-string", token(t)]),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...NON_JSON_TOKENS).map((t): [string, JsonText] => ["non-json-token", raw(t)]),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom<unknown>(null, true, false, 0, "", [], {}, [null], { a: 1 }, "1")
      .map((v): [string, JsonText] => ["wrong-type", token(v)]),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...INVALID_UTF8)
      .map((bytes): [string, JsonText] => [
        "invalid-utf8",
        { kind: "bytes", bytes: Buffer.concat([Buffer.from('"a'), bytes, Buffer.from('b"')]) },
      ]),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<"array" | "object">("array", "object")
      .map((k): [string, JsonText] => [`deep-${k}`, raw(deeplyNested(k))]),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(1024 * 1024 + 1, 70 * 1024)
      .map((count): [string, JsonText] => [
        `long-string-${count}`,
        { kind: "repeat", char: "a", count, quoted: true },
      ]),
  },
);

/** A rare 10 MB string: the issue's size, kept to a few requests a run. */
const hugeLeaf: fc.Arbitrary<[string, JsonText]> = fc.constantFrom<[string, JsonText]>([
  "huge-string-10MB",
  { kind: "repeat", char: "a", count: HUGE_STRING_SIZE, quoted: true },
]);

/** An object key chosen to confuse: prototype keys first. */
const hostileKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom("", "\u0000", "a.b", "$where", "extra") },
);

const pollution: JsonText = {
  kind: "object",
  entries: [
    ["isAdmin", token(true)],
    ["scopes", token(["admin"])],
    ["polluted", token("yes")],
  ],
};

/** A whole body that is not what the route takes. */
const hostileWholeBody: fc.Arbitrary<[string, JsonText]> = fc.oneof(
  { weight: 3, arbitrary: hostileLeaf.map(([m, v]): [string, JsonText] => [`whole-${m}`, v]) },
  { weight: 1, arbitrary: fc.constant<[string, JsonText]>(["empty", raw("")]) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        "{",
        '{"a":',
        "[1,",
        '{"a":1}}',
        '{"a":1,}',
        "{'a':1}",
        "\ufeff{}",
        "{} trailing",
        "/*c*/{}",
        "\u0000",
      )
      .map((t): [string, JsonText] => ["malformed-json", raw(t)]),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...PROTOTYPE_KEYS)
      .map((k): [string, JsonText] => [
        `whole-object-with-${k}`,
        { kind: "object", entries: [[k, pollution]] },
      ]),
  },
);

/** Mutations of a valid body: a field made hostile, a field removed, a field added, or the body replaced. */
function hostileBody(valid: JsonText): fc.Arbitrary<[string, JsonText]> {
  const slots = slotsOf(valid);
  const objects = slots.filter((s) => s.node.kind === "object");
  const options: { weight: number; arbitrary: fc.Arbitrary<[string, JsonText]> }[] = [
    { weight: 2, arbitrary: fc.constant<[string, JsonText]>(["valid", valid]) },
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.nat(slots.length - 1), hostileLeaf)
        .map(([i, [m, leaf]]): [string, JsonText] => [`field-${m}`, slots[i]!.replace(leaf)]),
    },
    { weight: 2, arbitrary: hostileWholeBody },
    {
      weight: 1,
      arbitrary: fc
        .nat(slots.length - 1)
        .chain((i) =>
          fc
            .oneof({ weight: 40, arbitrary: hostileLeaf }, { weight: 1, arbitrary: hugeLeaf })
            .map(([m, leaf]): [string, JsonText] => [`field-${m}`, slots[i]!.replace(leaf)]),
        ),
    },
  ];
  if (objects.length > 0) {
    options.push(
      {
        weight: 2,
        arbitrary: fc.nat(objects.length - 1).chain((i) => {
          const slot = objects[i]!;
          const node = slot.node as Extract<JsonText, { kind: "object" }>;
          if (node.entries.length === 0) return fc.constant<[string, JsonText]>(["valid", valid]);
          return fc
            .nat(node.entries.length - 1)
            .map((j): [string, JsonText] => [
              `missing-field-${node.entries[j]![0]}`,
              slot.replace({ kind: "object", entries: node.entries.filter((_, k) => k !== j) }),
            ]);
        }),
      },
      {
        weight: 3,
        arbitrary: fc
          .tuple(
            fc.nat(objects.length - 1),
            hostileKey,
            fc.oneof(fc.constant<[string, JsonText]>(["pollution", pollution]), hostileLeaf),
          )
          .map(([i, key, [m, value]]): [string, JsonText] => {
            const slot = objects[i]!;
            const node = slot.node as Extract<JsonText, { kind: "object" }>;
            // First, so a parser that lets a later key win still sees the valid fields.
            return [
              `extra-field-${key}-${m}`,
              slot.replace({ kind: "object", entries: [[key, value], ...node.entries] }),
            ];
          }),
      },
    );
  }
  return fc.oneof(...options);
}

const BOUNDARY = "fuzzboundary7MA4YWxkTrZu0gW";
const MULTIPART_CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

const WRONG_CONTENT_TYPES = [
  "text/plain",
  "text/plain; charset=utf-8",
  "application/x-www-form-urlencoded",
  "application/xml",
  "multipart/form-data",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  "application/json; charset=latin1",
  "application/octet-stream",
  "application/x-protobuf",
  "application/jsonx",
  "application/json, text/plain",
  "*/*",
  "",
  "APPLICATION/JSON",
] as const;

export interface BodyChoice {
  body?: JsonText;
  contentType?: string;
  encoding?: string;
  mutations: string[];
}

export function bodyFor(op: Operation): fc.Arbitrary<BodyChoice> {
  const documented = op.body?.contentType.startsWith("multipart/")
    ? MULTIPART_CONTENT_TYPE
    : (op.body?.contentType ?? "application/json");
  const payload: fc.Arbitrary<[string, JsonText]> = op.body
    ? op.body.contentType.startsWith("multipart/")
      ? multipartBody()
      : validJson(op.body.schema).chain(hostileBody)
    : fc.oneof(
        { weight: 3, arbitrary: fc.constant<[string, JsonText]>(["none", raw("")]) },
        { weight: 1, arbitrary: hostileWholeBody },
      );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant<[string, string | undefined]>(["", documented]) },
    { weight: 1, arbitrary: fc.constant<[string, string | undefined]>(["content-type-missing", undefined]) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...WRONG_CONTENT_TYPES)
        .map((t): [string, string | undefined] => [`content-type=${t || "empty"}`, t]),
    },
  );
  const encoding = fc.oneof(
    {
      weight: 12,
      arbitrary: fc.constant<[string, string | undefined, JsonText | undefined]>(["", undefined, undefined]),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<"gzip" | "deflate">("gzip", "deflate")
        .map((e): [string, string, JsonText] => [`${e}-bomb`, e, { kind: "bomb", encoding: e }]),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("gzip", "deflate", "br", "compress", "identity, gzip", "x-unknown")
        .map((e): [string, string, undefined] => [`content-encoding-lie=${e}`, e, undefined]),
    },
  );
  return fc
    .tuple(payload, contentType, encoding)
    .map(([[bodyMutation, body], [ctMutation, ct], [encMutation, enc, bomb]]) => {
      const mutations = [
        bodyMutation !== "none" && bodyMutation !== "valid" ? `body=${bodyMutation}` : "",
        ctMutation,
        encMutation,
      ].filter(Boolean);
      const finalBody = bomb ?? body;
      const empty = finalBody.kind === "token" && finalBody.text === "";
      return {
        ...(empty && !op.body && !bomb ? {} : { body: finalBody }),
        ...(ct !== undefined && (op.body || !empty || bomb) ? { contentType: ct } : {}),
        ...(enc ? { encoding: enc } : {}),
        mutations,
      };
    });
}

/** `multipart/form-data` with a `file` part (and sometimes a `service` field), made hostile in one place. */
function multipartBody(): fc.Arbitrary<[string, JsonText]> {
  const part = (name: string, value: string, filename?: string) =>
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${filename !== undefined ? `; filename="${filename}"` : ""}\r\n\r\n${value}\r\n`;
  return fc
    .tuple(
      fc.oneof(
        fc.constant<[string, string]>(["", "2025-01-01T00:00:00Z INFO app started\n"]),
        hostileText.map((t): [string, string] => ["file-content", t]),
      ),
      fc.oneof(
        fc.constant<[string, string]>(["", "app.log"]),
        fc
          .constantFrom("../../../etc/passwd", "", "a\u0000b.log", "%2e%2e%2f", '"')
          .map((f): [string, string] => ["filename", f]),
      ),
      fc.option(hostileText, { nil: undefined }),
      fc.constantFrom("complete", "no-closing-boundary", "no-file-part", "wrong-field-name"),
    )
    .map(([[m1, content], [m2, filename], service, shape]) => {
      const file = part(shape === "wrong-field-name" ? "upload" : "file", content, filename);
      const fields =
        (service !== undefined ? part("service", service) : "") + (shape === "no-file-part" ? "" : file);
      const text = fields + (shape === "no-closing-boundary" ? "" : `--${BOUNDARY}--\r\n`);
      const mutations = [
        m1,
        m2,
        service !== undefined ? "service-field" : "",
        shape !== "complete" ? shape : "",
      ].filter(Boolean);
      return [mutations.length ? `multipart(${mutations.join(",")})` : "valid", raw(text)];
    });
}
