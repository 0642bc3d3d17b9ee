import { isJsonObject } from "../core/json.js";

/** How a log file is laid out: one JSON document, or lines (each decoded on its own). */
export type LogFileFormat = "json" | "lines";

/**
 * A JSON document (an array, or an object such as `{"logs": [...]}`) or lines (NDJSON, syslog, logfmt,
 * plain text). A leading `[` is an array when an object (or `]`) follows it, or when the whole first line
 * is JSON; otherwise it opens a bracketed header, as in Apache's `[Sun Dec 04 04:47:44 2005] [error] …`.
 * A leading `{` is NDJSON when its first line is one whole object, a document when that object is
 * `{"logs": [...]}` or goes on over several lines (`{` then a key), and a text line otherwise.
 */
export function sniffFormat(head: string): LogFileFormat {
  let i = 0;
  while (i < head.length && /[\s\ufeff]/.test(head[i]!)) i++;
  const c = head[i];
  if (c !== "[" && c !== "{") return "lines";
  const nl = head.indexOf("\n", i);
  const first = head.slice(i, nl === -1 ? undefined : nl).trim();
  if (c === "[") {
    let j = i + 1;
    while (j < head.length && /\s/.test(head[j]!)) j++;
    if (head[j] === "{" || head[j] === "]") return "json";
    return parsesAsJson(first) ? "json" : "lines";
  }
  let value: unknown;
  try {
    value = JSON.parse(first);
  } catch {
    // A pretty-printed object goes on with a key (or closes); `{main} started` is a text line.
    return /^\{\s*["}]/.test(head.slice(i, i + 256)) ? "json" : "lines";
  }
  // One line holding `{"logs": [...]}` is a document too, not one NDJSON record.
  return isJsonObject(value) && !Array.isArray(value.logs) ? "lines" : "json";
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
