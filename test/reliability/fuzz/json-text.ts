import { deflateSync, gzipSync } from "node:zlib";

/**
 * A request body as a tree whose leaves are raw text or bytes, so that a body can hold what JSON.stringify
 * never writes: `__proto__` as an own key, `NaN`, invalid UTF-8 inside a string, 10,000 levels, 10 MB.
 * Huge strings and compression bombs are described here and only built when the request is sent.
 */
export type JsonText =
  /** Written as is: a JSON token, or any text. */
  | { kind: "token"; text: string }
  /** Written as is, byte for byte (invalid UTF-8). */
  | { kind: "bytes"; bytes: Buffer }
  /** `count` times `char`, optionally as a JSON string. */
  | { kind: "repeat"; char: string; count: number; quoted: boolean }
  | { kind: "array"; items: JsonText[] }
  | { kind: "object"; entries: [string, JsonText][] }
  /** A gzip or deflate stream that inflates to 64 MiB of spaces then `{}`. */
  | { kind: "bomb"; encoding: "gzip" | "deflate" };

export const token = (value: unknown): JsonText => ({ kind: "token", text: JSON.stringify(value) ?? "null" });
export const raw = (text: string): JsonText => ({ kind: "token", text });

export function toBytes(node: JsonText): Buffer {
  const parts: Buffer[] = [];
  write(node, parts);
  return Buffer.concat(parts);
}

function write(node: JsonText, out: Buffer[]): void {
  switch (node.kind) {
    case "token":
      out.push(Buffer.from(node.text, "utf8"));
      return;
    case "bytes":
      out.push(node.bytes);
      return;
    case "repeat": {
      const body = Buffer.alloc(node.count * Buffer.byteLength(node.char), node.char);
      out.push(...(node.quoted ? [Buffer.from('"'), body, Buffer.from('"')] : [body]));
      return;
    }
    case "array":
      out.push(Buffer.from("["));
      node.items.forEach((item, i) => {
        if (i > 0) out.push(Buffer.from(","));
        write(item, out);
      });
      out.push(Buffer.from("]"));
      return;
    case "object":
      out.push(Buffer.from("{"));
      node.entries.forEach(([key, value], i) => {
        out.push(Buffer.from(`${i > 0 ? "," : ""}${JSON.stringify(key)}:`));
        write(value, out);
      });
      out.push(Buffer.from("}"));
      return;
    case "bomb":
      out.push(bomb(node.encoding));
      return;
  }
}

const BOMB_INFLATED_BYTES = 64 * 1024 * 1024;
const bombs = new Map<string, Buffer>();
function bomb(encoding: "gzip" | "deflate"): Buffer {
  let b = bombs.get(encoding);
  if (!b) {
    const inflated = Buffer.concat([Buffer.alloc(BOMB_INFLATED_BYTES, " "), Buffer.from("{}")]);
    b = encoding === "gzip" ? gzipSync(inflated, { level: 9 }) : deflateSync(inflated, { level: 9 });
    bombs.set(encoding, b);
  }
  return b;
}

/** Every node of the tree with a way to replace it, parents before children. */
export function slotsOf(root: JsonText): { node: JsonText; replace: (by: JsonText) => JsonText }[] {
  const slots: { node: JsonText; replace: (by: JsonText) => JsonText }[] = [];
  const visit = (node: JsonText, rebuild: (by: JsonText) => JsonText): void => {
    slots.push({ node, replace: rebuild });
    if (node.kind === "array")
      for (const [i] of node.items.entries())
        visit(node.items[i]!, (by) =>
          rebuild({ kind: "array", items: node.items.map((x, j) => (j === i ? by : x)) }),
        );
    if (node.kind === "object")
      for (const [i, [key, value]] of node.entries.entries())
        visit(value, (by) =>
          rebuild({ kind: "object", entries: node.entries.map((e, j) => (j === i ? [key, by] : e)) }),
        );
  };
  visit(root, (by) => by);
  return slots;
}

/** Short, printable description of a body for a failure report (never the 10 MB). */
export function describe(node: JsonText, budget = 300): string {
  const text = (() => {
    switch (node.kind) {
      case "token":
        return node.text.length > 120 ? `${node.text.slice(0, 60)}…(${node.text.length} chars)` : node.text;
      case "bytes":
        return `<bytes ${node.bytes.toString("hex")}>`;
      case "repeat":
        return `<${node.count} × ${JSON.stringify(node.char)}${node.quoted ? " quoted" : ""}>`;
      case "array":
        return `[${node.items.map((x) => describe(x, budget)).join(",")}]`;
      case "object":
        return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${describe(v, budget)}`).join(",")}}`;
      case "bomb":
        return `<${node.encoding} bomb>`;
    }
  })();
  return text.length > budget ? `${text.slice(0, budget)}…` : text;
}
