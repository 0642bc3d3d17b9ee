import { type LineAssemblerOptions, readRecords } from "./decoders/line-assembler.js";
import { JsonElementScanner } from "./json-elements.js";
import { type LogFileFormat, sniffFormat } from "./sniff-format.js";

/** How much of the start of a file is looked at to tell its format. */
export const SNIFF_BYTES = 64 * 1024;

export interface LogEntries {
  format: LogFileFormat;
  /** The first `SNIFF_BYTES` (fewer for a shorter file), for checks such as "is this text at all". */
  head: Uint8Array;
  /** Each entry is for `decodeLine`: a JSON element's text, or a logical line. */
  entries: AsyncGenerator<string, void, undefined>;
}

/**
 * Opens the log entries of a file or stream, whatever its layout: the elements of a JSON document (an
 * array, or `{"logs": [...]}`) as JSON text, or logical lines (NDJSON, syslog, logfmt, text; a stack
 * trace stays with its line). Reads the first `SNIFF_BYTES` to tell which; the rest is streamed, so
 * memory is bounded by one entry and that head, not the file.
 */
export async function openLogEntries(
  stream: AsyncIterable<Uint8Array | string>,
  options?: LineAssemblerOptions,
): Promise<LogEntries> {
  const bytes = (chunk: Uint8Array | string) => (typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  const iterator = stream[Symbol.asyncIterator]();
  const read: Uint8Array[] = [];
  let readBytes = 0;
  let ended = false;
  while (readBytes < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = bytes(next.value);
    read.push(chunk);
    readBytes += chunk.length;
  }
  const first = Buffer.concat(read);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (first.length > 0) yield first;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield bytes(next.value);
    }
  }
  const head = first.subarray(0, SNIFF_BYTES);
  const format = sniffFormat(new TextDecoder().decode(head));
  return {
    format,
    head,
    entries: format === "json" ? jsonElements(chunks()) : readRecords(chunks(), options),
  };
}

/** `openLogEntries`' entries alone. */
export async function* readLogEntries(
  stream: AsyncIterable<Uint8Array | string>,
  options?: LineAssemblerOptions,
): AsyncGenerator<string, void, undefined> {
  yield* (await openLogEntries(stream, options)).entries;
}

async function* jsonElements(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const scanner = new JsonElementScanner();
  for await (const chunk of chunks) yield* scanner.push(decoder.decode(chunk, { stream: true }));
  yield* scanner.push(decoder.decode());
  yield* scanner.end();
}
