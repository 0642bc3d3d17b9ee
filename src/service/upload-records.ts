import { UserError } from "../core/errors.js";
import { isJsonObject, parseJson } from "../core/json.js";
import {
  cutLine,
  DEFAULT_LINE_LIMIT,
  holdLine,
  type LineCut,
  type LineLimit,
  lineTooLong,
  noteLineCut,
} from "../core/line-limit.js";
import { FILE_NAME_ATTRIBUTE, serviceOf } from "../core/log-record.js";
import { type DecodeContext, decodeLine, recordFromObject } from "../parsers/decoders/index.js";
import { openLogEntries } from "../parsers/read-entries.js";
import type { AnalysisInput } from "./analysis-engine.js";

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

export { streamOfUpload } from "./upload-name.js";

/** Records per stream (`service.name`) of an analysis, in order of first appearance. */
export interface StreamCount {
  service: string;
  records: number;
}

/**
 * Passes the inputs through while counting their streams, so a response can say where records went.
 * `counts()` is complete once the inputs have been read to their end.
 */
export function countingStreams<T extends AnalysisInput>(
  inputs: AsyncIterable<T> | Iterable<T>,
): { inputs: AsyncIterable<T>; counts: () => StreamCount[] } {
  const byService = new Map<string, number>();
  async function* counted(): AsyncGenerator<T, void, undefined> {
    for await (const input of inputs) {
      const name = serviceOf(input.record);
      byService.set(name, (byService.get(name) ?? 0) + 1);
      yield input;
    }
  }
  return {
    inputs: counted(),
    counts: () => [...byService].map(([service, records]) => ({ service, records })),
  };
}

function inputFromJson(text: string, ctx: DecodeContext, where: string): AnalysisInput {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    throw new UserError(`${where} is not valid JSON: ${(error as Error).message}`, "invalid_json", 400);
  }
  if (!isJsonObject(value)) throw new UserError(`${where} is not a JSON object`, "invalid_json", 400);
  return { record: recordFromObject(value, ctx), original: value };
}

/**
 * What an upload's reading counted: lines cut to `MAX_LINE_BYTES` (the answer's `lines_cut`), and
 * records whose time could not be read from the file, stored with the time of the upload
 * (`uploadWarnings`).
 */
export interface UploadTally {
  linesCut: number;
  timesNotRead?: number;
  /** Where the first of those is (`line 12`, `log 3`). */
  firstWithoutTime?: string;
}

/** What an upload's answer says about records stamped with the time of the upload, if any were. */
export interface UploadWarnings {
  times_not_read: number;
  first_without_time: string;
}

/**
 * The upload answer's `warnings` (spread into it): how many records got the upload's time because no
 * time could be read from them, and where the first is. Before, such lines were filed under today
 * without a word, and an old file showed up as today's busiest stream.
 */
export function uploadWarnings(tally: UploadTally): { warnings?: UploadWarnings } {
  if (!tally.timesNotRead) return {};
  return {
    warnings: { times_not_read: tally.timesNotRead, first_without_time: tally.firstWithoutTime ?? "" },
  };
}

/** Counts `input` in `tally` when its record carries the context's `observedAt`: no time was read. */
function timeRead(
  input: AnalysisInput,
  ctx: DecodeContext,
  tally: UploadTally,
  where: string,
): AnalysisInput {
  if (input.record.timestamp !== ctx.observedAt) return input;
  tally.timesNotRead = (tally.timesNotRead ?? 0) + 1;
  tally.firstWithoutTime ??= where;
  return input;
}

/**
 * `input` with its message held to the line limit: cut and flagged (`cut` when its reader cut it
 * already), or, when the limit refuses, a 413 naming the entry. Entries before it were analysed, and
 * stored with `?persist=true`.
 */
function held(
  input: AnalysisInput,
  limit: LineLimit,
  tally: UploadTally,
  where: string,
  cut: LineCut | null,
): AnalysisInput {
  const record = input.record;
  const bodyCut = cut ?? cutLine(record.body, limit.maxBytes);
  if (!bodyCut) return input;
  if (limit.onTooLong === "refuse") throw lineTooLong(bodyCut.originalBytes, limit.maxBytes, where);
  if (!cut) record.body = bodyCut.text;
  noteLineCut(record, bodyCut);
  tally.linesCut++;
  return input;
}

/**
 * Analysis inputs given whole (`POST /analyze`'s `logs`, MCP `analyze_logs`' `log_data`), each message held
 * to the line limit as an upload's are; refusing (`LINE_TOO_LONG=refuse`) throws the 413 before any is
 * analysed or stored.
 */
export function heldInputs(inputs: AnalysisInput[], limit: LineLimit, tally: UploadTally): AnalysisInput[] {
  if (limit.onTooLong === "refuse")
    for (const [i, input] of inputs.entries()) {
      const cut = cutLine(input.record.body, limit.maxBytes);
      if (cut) throw lineTooLong(cut.originalBytes, limit.maxBytes, `log ${i}`);
    }
  return inputs.map((input, i) => held(input, limit, tally, `log ${i}`, null));
}

/**
 * `openLogEntries`, refusing a binary file (`looksBinary` on its first bytes) with a 400 `unsupported_file`:
 * what the upload API and `logwarden analyze` do with an ELF file rather than read it as lines.
 */
export async function openTextLogEntries(
  stream: AsyncIterable<Uint8Array | string>,
  options?: Parameters<typeof openLogEntries>[1],
): ReturnType<typeof openLogEntries> {
  const opened = await openLogEntries(stream, options);
  if (looksBinary(opened.head))
    throw new UserError(
      "the file is binary, not a log (JSON, NDJSON or text lines)",
      "unsupported_file",
      400,
    );
  return opened;
}

/**
 * The records of an uploaded file, read as it streams in (memory is bounded by one record, not the
 * file): a JSON array, `{"logs": [...]}`, NDJSON, or any line format the decoders read. `fileName`
 * (the client's name of the file) marks each record (`fromFile`).
 */
export async function* uploadInputs(
  stream: AsyncIterable<Uint8Array>,
  ctx: DecodeContext,
  limit: LineLimit = DEFAULT_LINE_LIMIT,
  tally: UploadTally = { linesCut: 0 },
  fileName: string | null = null,
): AsyncGenerator<AnalysisInput, void, undefined> {
  // Lines are cut to the limit as they are read (and marked), so a 12 MB line is never held whole.
  const { format, entries } = await openTextLogEntries(stream, { lineLimitBytes: limit.maxBytes });
  if (format === "json") {
    let n = 0;
    try {
      for await (const element of entries) {
        const where = `log ${n++}`;
        const input = timeRead(inputFromJson(element, ctx, where), ctx, tally, where);
        yield held(fromFile(input, fileName), limit, tally, where, null);
      }
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`the file is not valid JSON: ${(error as Error).message}`, "invalid_json", 400);
    }
    return;
  }
  let n = 0;
  for await (const raw of entries) {
    const where = `line ${++n}`;
    // A line the reader cut ends with the limit's mark (so it is no JSON object any more).
    const { text: line, cut } = holdLine(raw, limit.maxBytes);
    if (!cut && line.charCodeAt(0) === 0x7b) {
      try {
        const value: unknown = parseJson(line);
        if (isJsonObject(value)) {
          const input = { record: recordFromObject(value, ctx), original: value };
          yield held(fromFile(timeRead(input, ctx, tally, where), fileName), limit, tally, where, null);
          continue;
        }
      } catch {
        // Not JSON after all: decoded as text below.
      }
    }
    const input = timeRead({ record: decodeLine(line, ctx) }, ctx, tally, where);
    yield held(fromFile(input, fileName), limit, tally, where, cut);
  }
}

/**
 * The record marked with the file it was read from (`log.file.name`, as the client named it): two files
 * whose lines name the same service (Linux's and OpenSSH's `sshd`) share its templates, but their
 * detectors' state is kept apart (`ParsedRecord.origin`).
 */
function fromFile(input: AnalysisInput, fileName: string | null): AnalysisInput {
  if (fileName === null || fileName === "") return input;
  // A copy: a JSON record's attributes may be the client's object, which the answer may echo.
  input.record.attributes = { ...input.record.attributes, [FILE_NAME_ATTRIBUTE]: fileName };
  return input;
}
