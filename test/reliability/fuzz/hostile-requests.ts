import fc from "fast-check";
import type { JsonSchema, Operation, Parameter } from "../openapi-operations.js";
import {
  deeplyNested,
  HUGE_STRING_SIZE,
  hostileText,
  INVALID_UTF8,
  JSON_NUMBER_TOKENS,
  NON_JSON_TOKENS,
  NUMBER_TEXTS,
  PROTOTYPE_KEYS,
  TRAVERSAL_SEGMENTS,
} from "./hostile-values.js";
import { type JsonText, raw, slotsOf, token } from "./json-text.js";

export interface HostileRequest {
  /** `METHOD /path/{template}`: which operation this request exercises. */
  operation: string;
  method: string;
  /** Path and query as URL text; may hold raw bytes 0x80-0xff (sent as latin1, so not UTF-8). */
  url: string;
  headers: Record<string, string>;
  body?: JsonText;
  /** What was made hostile, for the report: `query.limit=number-text`, `body=deep-nesting`… */
  mutations: string[];
  authorized: boolean;
}

/** Valid values for path parameters by name: ids of rows the fuzz run seeded, so valid paths hit rows. */
export type KnownIds = Record<string, readonly string[]>;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Percent-encodes the UTF-8 of any string, all but the unreserved characters; lone surrogates become U+FFFD. */
export function percentEncode(text: string): string {
  const wellFormed = text.replace(LONE_SURROGATE, "\ufffd");
  return encodeURIComponent(wellFormed).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

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
export const MULTIPART_CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

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

interface BodyChoice {
  body?: JsonText;
  contentType?: string;
  encoding?: string;
  mutations: string[];
}

function bodyFor(op: Operation): fc.Arbitrary<BodyChoice> {
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

/** A path segment: a seeded id, or one that does not belong. */
function pathSegment(param: Parameter, known: KnownIds): fc.Arbitrary<[string, string]> {
  const pool = known[param.name] ?? ["1"];
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...pool).map((id): [string, string] => ["", percentEncode(id)]) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(...TRAVERSAL_SEGMENTS)
        .map((s): [string, string] => [`path.${param.name}=traversal`, s]),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...NUMBER_TEXTS)
        .map((s): [string, string] => [`path.${param.name}=number-text`, percentEncode(s)]),
    },
    {
      weight: 2,
      arbitrary: hostileText.map((s): [string, string] => [
        `path.${param.name}=hostile-text`,
        percentEncode(s),
      ]),
    },
    // Raw bytes 0x80-0xff in the request line: not UTF-8 (0xe9 alone, 0xff) where the server expects it.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("caf\u00e9", "\u00ff\u00fe", "\u00c0\u00ae")
        .map((s): [string, string] => [`path.${param.name}=raw-latin1`, s]),
    },
  );
}

/** A query value: absent, valid, or hostile; `null` means the parameter is left out. */
function queryValue(param: Parameter): fc.Arbitrary<[string, string | null]> {
  const options: { weight: number; arbitrary: fc.Arbitrary<[string, string | null]> }[] = [
    {
      weight: 4,
      arbitrary: validJson(param.schema, param.name).map((v): [string, string | null] => [
        "",
        percentEncode(plain(v)),
      ]),
    },
    {
      weight: 3,
      arbitrary: hostileText.map((s): [string, string | null] => [
        `query.${param.name}=hostile-text`,
        percentEncode(s),
      ]),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...NUMBER_TEXTS)
        .map((s): [string, string | null] => [`query.${param.name}=number-text`, percentEncode(s)]),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("%ff", "%00", "%", "%zz", "%c0%ae", "%ed%a0%80", "\u00ff")
        .map((s): [string, string | null] => [`query.${param.name}=bad-encoding`, s]),
    },
  ];
  if (!param.required)
    options.push({ weight: 4, arbitrary: fc.constant<[string, string | null]>(["", null]) });
  else
    options.push({
      weight: 1,
      arbitrary: fc.constant<[string, string | null]>([`query.${param.name}=missing`, null]),
    });
  return fc.oneof(...options);
}

/** A JSON token as the plain text a query parameter carries (`"abc"` → `abc`). */
function plain(v: JsonText): string {
  if (v.kind !== "token") return "";
  try {
    const parsed: unknown = JSON.parse(v.text);
    return typeof parsed === "string" ? parsed : JSON.stringify(parsed);
  } catch {
    return v.text;
  }
}

/** Query parameters nobody documented: prototype keys in bracket syntax, repeats, huge names. */
const extraQuery = fc.oneof(
  { weight: 6, arbitrary: fc.constant<[string, string]>(["", ""]) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        "__proto__[polluted]=1",
        "__proto__=x",
        "constructor[prototype][polluted]=1",
        "prototype=1",
        "limit=1&limit=2",
        "limit[]=1",
        "q[$ne]=1",
        "a=%00",
        "=",
        "&&&",
      )
      .map((q): [string, string] => [`query-extra=${q}`, q]),
  },
);

const HUGE_HEADER_BYTES = 64 * 1024;
/** One header of 64 KB (under several names), or a hostile X-Request-Id or Accept. */
const headerMutation = fc.oneof(
  { weight: 12, arbitrary: fc.constant<[string, Record<string, string>]>(["", {}]) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("x-fuzz", "cookie", "x-request-id", "accept", "user-agent")
      .map((name): [string, Record<string, string>] => [
        `header-64KB=${name}`,
        { [name]: "a".repeat(HUGE_HEADER_BYTES) },
      ]),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("../../etc", "\u00ff\u00fe", "a".repeat(300), "' OR 1=1 --", "__proto__")
      .map((v): [string, Record<string, string>] => ["header-x-request-id", { "x-request-id": v }]),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("text/html", "application/xml", "*/*;q=0", "\u00ff", "application/json;q=-1")
      .map((v): [string, Record<string, string>] => [`header-accept=${v}`, { accept: v }]),
  },
);

/** An Authorization that is not a token: a huge one, an odd scheme, bytes. */
const hostileAuthorization = fc.constantFrom(
  "Bearer",
  "Bearer ",
  "Basic YWRtaW46YWRtaW4=",
  "Bearer ../../etc/passwd",
  "Bearer \u00ff\u00fe",
  "Bearer ' OR '1'='1",
  `Bearer ${"a".repeat(HUGE_HEADER_BYTES)}`,
);

/** Hostile requests for one operation, each with a token that may do everything or with none. */
export function hostileRequests(
  op: Operation,
  adminToken: string,
  known: KnownIds,
): fc.Arbitrary<HostileRequest> {
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const queryParams = op.parameters.filter((p) => p.in === "query");
  const headerParams = op.parameters.filter((p) => p.in === "header");
  return fc
    .record({
      path: fc.tuple(...pathParams.map((p) => pathSegment(p, known))),
      query: fc.tuple(...queryParams.map(queryValue)),
      extraQuery,
      headerParams: fc.tuple(
        ...headerParams.map((p) =>
          fc.oneof(
            validJson(p.schema, p.name).map((v): [string, string | null] => [
              "",
              plain(v).replace(/[^\u0020-\u00ff]/g, ""),
            ]),
            hostileText.map((s): [string, string | null] => [
              `header.${p.name}=hostile-text`,
              s.replace(/[^\u0020-\u00ff]/g, ""),
            ]),
            fc.constant<[string, string | null]>(["", null]),
          ),
        ),
      ),
      header: headerMutation,
      auth: fc.oneof(
        { weight: 6, arbitrary: fc.constant<"admin" | "none" | "hostile">("admin") },
        { weight: 3, arbitrary: fc.constant<"admin" | "none" | "hostile">("none") },
        { weight: 1, arbitrary: fc.constant<"admin" | "none" | "hostile">("hostile") },
      ),
      hostileAuthorization,
      body: bodyFor(op),
      accept: fc.constantFrom("application/json, text/event-stream", "application/json", undefined),
    })
    .map((r) => {
      const mutations: string[] = [];
      let path = op.path;
      pathParams.forEach((p, i) => {
        const [m, segment] = r.path[i]!;
        if (m) mutations.push(m);
        path = path.replace(`{${p.name}}`, segment);
      });
      const query: string[] = [];
      queryParams.forEach((p, i) => {
        const [m, value] = r.query[i]!;
        if (m) mutations.push(m);
        if (value !== null) query.push(`${p.name}=${value}`);
      });
      if (r.extraQuery[0]) {
        mutations.push(r.extraQuery[0]);
        query.push(r.extraQuery[1]);
      }
      const headers: Record<string, string> = {};
      if (r.accept) headers.accept = r.accept;
      headerParams.forEach((p, i) => {
        const [m, value] = r.headerParams[i]!;
        if (m) mutations.push(m);
        if (value !== null) headers[p.name] = value;
      });
      if (r.auth === "admin") headers.authorization = `Bearer ${adminToken}`;
      if (r.auth === "hostile") {
        headers.authorization = r.hostileAuthorization;
        mutations.push(`authorization=${r.hostileAuthorization.slice(0, 30)}`);
      }
      if (r.header[0]) mutations.push(r.header[0]);
      Object.assign(headers, r.header[1]);
      const { body, contentType, encoding } = r.body;
      mutations.push(...r.body.mutations);
      if (contentType !== undefined) headers["content-type"] = contentType;
      if (encoding) headers["content-encoding"] = encoding;
      return {
        operation: op.key,
        method: op.method,
        url: query.length ? `${path}?${query.join("&")}` : path,
        headers,
        ...(body ? { body } : {}),
        mutations,
        authorized: r.auth === "admin",
      };
    });
}
