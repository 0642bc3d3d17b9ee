import { type LineAssemblerOptions, readRecords } from "./decoders/line-assembler.js";
import { JsonElementScanner } from "./json-elements.js";
import { sniffFormat } from "./sniff-format.js";

/** How much of the start of a file is looked at to tell its format. */
export const SNIFF_CHARS = 64 * 1024;

/**
 * The log entries of a file or stream, one string each, whatever its layout: the elements of a JSON
 * document (an array, or `{"logs": [...]}`) as JSON text, or logical lines (NDJSON, syslog, logfmt,
 * text; a stack trace stays with its line). Each entry is for `decodeLine`. Streamed: memory is bounded
 * by one entry and the first `SNIFF_CHARS`, not the file.
 */
export async function* readLogEntries(
  stream: AsyncIterable<Uint8Array | string>,
  options?: LineAssemblerOptions,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const iterator = stream[Symbol.asyncIterator]();
  const head: string[] = [];
  let headChars = 0;
  let ended = false;
  while (headChars < SNIFF_CHARS) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const text = typeof next.value === "string" ? next.value : decoder.decode(next.value, { stream: true });
    head.push(text);
    headChars += text.length;
  }
  async function* texts(): AsyncGenerator<string> {
    yield* head;
    if (!ended) {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        yield typeof next.value === "string" ? next.value : decoder.decode(next.value, { stream: true });
      }
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  }
  if (sniffFormat(head.join("").slice(0, SNIFF_CHARS)) === "lines") {
    yield* readRecords(texts(), options);
    return;
  }
  const scanner = new JsonElementScanner();
  for await (const text of texts()) yield* scanner.push(text);
  yield* scanner.end();
}
