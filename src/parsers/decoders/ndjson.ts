import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.js";
import type { LogRecord } from "../../core/log-record.js";
import type { DecodeContext } from "./decode-context.js";
import { decodeLine } from "./decode-line.js";
import { recordFromObject } from "./json-record.js";
import { LineAssembler } from "./line-assembler.js";

/**
 * One rejected item: `line` (1-based) for an NDJSON line or where a whole-document parse error points,
 * `index` (0-based) for an element of a JSON array; neither when the parser gave no position.
 */
export interface BodyError {
  line?: number;
  index?: number;
  message: string;
}

export type JsonBodyShape = "array" | "object" | "logs" | "ndjson" | "empty";

export interface JsonBody {
  objects: JsonObject[];
  errors: BodyError[];
  shape: JsonBodyShape;
}

export interface DecodedBody {
  records: LogRecord[];
  errors: BodyError[];
}

const NDJSON_TYPES = new Set([
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
  "application/jsonlines",
  "application/json-seq",
]);

/** `application/x-ndjson; charset=utf-8` → `application/x-ndjson`. */
function mediaType(contentType: string | undefined): string {
  if (!contentType) return "";
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

function isJsonType(type: string): boolean {
  return type === "application/json" || type.endsWith("+json") || NDJSON_TYPES.has(type);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function firstNonWs(text: string): number {
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xfeff) break;
    i++;
  }
  return i;
}

function objectsOf(items: JsonValue[], errors: BodyError[]): JsonObject[] {
  const objects: JsonObject[] = [];
  items.forEach((item, index) => {
    if (isJsonObject(item)) objects.push(item);
    else errors.push({ index, message: "expected a JSON object" });
  });
  return objects;
}

/** One JSON object per line; a bad line is reported with its 1-based number and the others still count. */
export function parseNdjson(text: string): JsonBody {
  const objects: JsonObject[] = [];
  const errors: BodyError[] = [];
  let lineNo = 0;
  let from = 0;
  while (from <= text.length) {
    let nl = text.indexOf("\n", from);
    if (nl === -1) nl = text.length;
    lineNo++;
    const line = text.slice(from, nl).trim();
    from = nl + 1;
    if (line === "" || line === "\u001e") continue; // blank, or a bare json-seq record separator
    try {
      const v: unknown = JSON.parse(line.charCodeAt(0) === 0x1e ? line.slice(1) : line);
      if (isJsonObject(v)) objects.push(v);
      else errors.push({ line: lineNo, message: "expected a JSON object" });
    } catch (e) {
      errors.push({ line: lineNo, message: errorMessage(e) });
    }
  }
  return { objects, errors, shape: objects.length === 0 && errors.length === 0 ? "empty" : "ndjson" };
}

/**
 * Reads a JSON ingest body: an array of objects, one object, `{"logs": [...]}`, or NDJSON. An NDJSON
 * content type goes straight to line-by-line parsing; otherwise the whole body is parsed first and, when
 * that fails but its first line is JSON on its own, it is read as NDJSON. A broken pretty-printed
 * document yields one error instead of one per line.
 */
export function parseJsonBody(text: string, contentType?: string): JsonBody {
  const start = firstNonWs(text);
  if (start >= text.length) return { objects: [], errors: [], shape: "empty" };
  if (NDJSON_TYPES.has(mediaType(contentType))) return parseNdjson(text);
  let whole: unknown;
  try {
    whole = JSON.parse(start === 0 ? text : text.slice(start));
  } catch (e) {
    const nl = text.indexOf("\n", start);
    if (nl !== -1 && text.charCodeAt(start) === 0x7b && parsesAsJson(text.slice(start, nl)))
      return parseNdjson(text);
    const line = errorLine(text, start, e);
    const message = errorMessage(e);
    return { objects: [], errors: [line === undefined ? { message } : { line, message }], shape: "object" };
  }
  const errors: BodyError[] = [];
  if (Array.isArray(whole)) return { objects: objectsOf(whole, errors), errors, shape: "array" };
  if (isJsonObject(whole)) {
    const logs = whole.logs;
    if (Array.isArray(logs)) return { objects: objectsOf(logs, errors), errors, shape: "logs" };
    return { objects: [whole], errors, shape: "object" };
  }
  return { objects: [], errors: [{ message: "expected a JSON object or array" }], shape: "object" };
}

/**
 * The 1-based line of a JSON.parse error, from the `position N` V8 puts in most of its messages;
 * undefined when the message has none (e.g. "Unexpected token '}', ... is not valid JSON").
 */
function errorLine(text: string, start: number, e: unknown): number | undefined {
  const m = /position (\d+)/.exec(errorMessage(e));
  if (!m) return undefined;
  const end = Math.min(text.length, start + Number(m[1]));
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function parsesAsJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** Plain text lines (syslog, logfmt, JSON lines, stack traces…) decoded one logical line at a time. */
export function decodeTextBody(text: string, ctx: DecodeContext): DecodedBody {
  const assembler = new LineAssembler();
  const lines = assembler.push(text);
  for (const l of assembler.end()) lines.push(l);
  return { records: lines.map((l) => decodeLine(l, ctx)), errors: [] };
}

/**
 * Decodes an HTTP ingest body to records. JSON content types (or no content type and a body starting
 * with `[` or `{`) go through `parseJsonBody` and `recordFromObject`; anything else is read as log lines.
 */
export function decodeBody(text: string, ctx: DecodeContext, contentType?: string): DecodedBody {
  const type = mediaType(contentType);
  const c = text.charCodeAt(firstNonWs(text));
  if (isJsonType(type) || (type === "" && (c === 0x5b || c === 0x7b))) {
    const body = parseJsonBody(text, contentType);
    return { records: body.objects.map((o) => recordFromObject(o, ctx)), errors: body.errors };
  }
  return decodeTextBody(text, ctx);
}
