import { UserError } from "../core/errors.js";
import { isJsonObject } from "../core/json.js";
import {
  type DecodeContext,
  decodeLine,
  LineAssembler,
  recordFromObject,
} from "../parsers/decoders/index.js";
import { JsonElementScanner } from "../parsers/json-elements.js";
import { sniffFormat } from "../parsers/sniff-format.js";
import type { AnalysisInput } from "./analysis-engine.js";

/** How much of the start of an upload is looked at to tell its format (and that it is text at all). */
const SNIFF_BYTES = 64 * 1024;

/** Text, or a binary file? NUL bytes, or over 10% of undecodable or control characters, mean binary. */
export function looksBinary(head: Uint8Array): boolean {
  if (head.includes(0)) return true;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(head);
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A multi-byte character cut at the end of the sniffed bytes is not evidence of binary.
    if (
      (c === 0xfffd && i < text.length - 3) ||
      (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b)
    )
      bad++;
  }
  return text.length > 0 && bad / text.length > 0.1;
}

function inputFromJson(text: string, ctx: DecodeContext, where: string): AnalysisInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${where} is not valid JSON: ${(error as Error).message}`, "invalid_json", 400);
  }
  if (!isJsonObject(value)) throw new UserError(`${where} is not a JSON object`, "invalid_json", 400);
  return { record: recordFromObject(value, ctx), original: value };
}

/**
 * The records of an uploaded file, read as it streams in (memory is bounded by one record, not the
 * file): a JSON array, `{"logs": [...]}`, NDJSON, or any line format the decoders read.
 */
export async function* uploadInputs(
  stream: AsyncIterable<Uint8Array>,
  ctx: DecodeContext,
): AsyncGenerator<AnalysisInput, void, undefined> {
  const iterator = stream[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  const headBuf = Buffer.concat(head);
  if (looksBinary(headBuf.subarray(0, SNIFF_BYTES)))
    throw new UserError(
      "the file is binary, not a log (JSON, NDJSON or text lines)",
      "unsupported_file",
      400,
    );

  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (headBuf.length > 0) yield headBuf;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }

  if (sniffFormat(new TextDecoder().decode(headBuf.subarray(0, SNIFF_BYTES))) === "json") {
    const decoder = new TextDecoder("utf-8", { fatal: false });
    const scanner = new JsonElementScanner();
    let n = 0;
    try {
      for await (const chunk of chunks()) {
        for (const element of scanner.push(decoder.decode(chunk, { stream: true }))) {
          yield inputFromJson(element, ctx, `log ${n++}`);
        }
      }
      for (const element of [...scanner.push(decoder.decode()), ...scanner.end()]) {
        yield inputFromJson(element, ctx, `log ${n++}`);
      }
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`the file is not valid JSON: ${(error as Error).message}`, "invalid_json", 400);
    }
    return;
  }
  const assembler = new LineAssembler();
  const lineInput = (line: string): AnalysisInput => {
    if (line.charCodeAt(0) === 0x7b) {
      try {
        const value: unknown = JSON.parse(line);
        if (isJsonObject(value)) return { record: recordFromObject(value, ctx), original: value };
      } catch {
        // Not JSON after all: decoded as text below.
      }
    }
    return { record: decodeLine(line, ctx) };
  };
  for await (const chunk of chunks()) for (const line of assembler.push(chunk)) yield lineInput(line);
  for (const line of assembler.end()) yield lineInput(line);
}
