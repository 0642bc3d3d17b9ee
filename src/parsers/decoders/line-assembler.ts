import { cutLine, utf8Bytes } from "../../core/line-limit.js";
import { StackTraceGrouper } from "./stack-trace.js";

export interface LineAssemblerOptions {
  /**
   * Longest logical record, in UTF-16 code units (≈ bytes for ASCII logs); the rest is dropped and the
   * record counted in `truncated`. Bounds memory when a producer never writes a newline. Default 64 Ki.
   */
  maxRecordChars?: number;
  /** Most physical lines grouped into one record; later continuation lines are dropped. Default 1000. */
  maxRecordLines?: number;
  /** Group multi-line stack traces into one record (default true). */
  groupStackTraces?: boolean;
  /**
   * `MAX_LINE_BYTES`: a physical line longer than this many UTF-8 bytes is cut to it at a character
   * boundary and ends with the line limit's mark (`cutLine`, with the line's length), which the door
   * reads back (`holdLine`) to flag its record. Also the default `maxRecordChars`.
   */
  lineLimitBytes?: number;
}

const DEFAULT_MAX_CHARS = 64 * 1024;
const DEFAULT_MAX_LINES = 1000;

/** Cuts to `max` code units without splitting a surrogate pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/** `{`…`}`: emitted on its own without waiting for continuation lines. */
function isJsonLine(line: string): boolean {
  return line.charCodeAt(0) === 0x7b && line.charCodeAt(line.length - 1) === 0x7d;
}

/**
 * Turns a stream of chunks into logical lines. Splits on `\n` (a trailing `\r` is dropped), decodes UTF-8
 * across chunk boundaries (invalid bytes become U+FFFD, a leading BOM is dropped), skips blank lines, and
 * joins the lines of a stack trace onto the plain-text line that precedes them (see `StackTraceGrouper`).
 * A JSON line is always a record of its own and is emitted at once; a plain-text line is held until the
 * next line shows whether a trace follows, so call `flush()` on idle (live tailing) and `end()` at the end.
 *
 * Don't mix a Buffer ending mid-character with a following string chunk: the dangling bytes become U+FFFD.
 */
export class LineAssembler {
  readonly #decoder = new TextDecoder("utf-8", { fatal: false });
  readonly #maxChars: number;
  readonly #maxLines: number;
  readonly #group: boolean;
  readonly #grouper = new StackTraceGrouper();
  #bytesPending = false;
  /** The incomplete physical line at the end of the last chunk. */
  #partial = "";
  #partialCut = false;
  /** UTF-8 bytes of the incomplete physical line, those cut off included (only with `lineLimitBytes`). */
  #partialBytes = 0;
  readonly #limitBytes: number | undefined;
  /** The logical record being built; null when none is open. */
  #pending: string | null = null;
  #pendingLines = 0;
  #pendingCut = false;
  #truncated = 0;

  constructor(options: LineAssemblerOptions = {}) {
    this.#limitBytes = options.lineLimitBytes;
    this.#maxChars = Math.max(1, options.maxRecordChars ?? options.lineLimitBytes ?? DEFAULT_MAX_CHARS);
    this.#maxLines = Math.max(1, options.maxRecordLines ?? DEFAULT_MAX_LINES);
    this.#group = options.groupStackTraces ?? true;
  }

  /** Records cut short by `maxRecordChars` or `maxRecordLines` so far. */
  get truncated(): number {
    return this.#truncated;
  }

  /** Feeds a chunk; returns the logical lines it completed. */
  push(chunk: Uint8Array | string): string[] {
    let text: string;
    if (typeof chunk === "string") {
      text = this.#bytesPending ? this.#decoder.decode() + chunk : chunk;
      this.#bytesPending = false;
    } else {
      text = this.#decoder.decode(chunk, { stream: true });
      this.#bytesPending = true;
    }
    const out: string[] = [];
    let from = 0;
    let nl = text.indexOf("\n");
    while (nl !== -1) {
      if (this.#partial !== "" || this.#partialCut) {
        this.#appendPartial(text.slice(from, nl));
        this.#takePartial(out);
      } else if (nl - from > this.#maxChars) {
        const whole = text.slice(from, nl);
        const bytes = this.#limitBytes === undefined ? null : utf8Bytes(whole);
        this.#line(cut(whole, this.#maxChars), true, out, bytes);
      } else {
        this.#line(text.slice(from, nl), false, out);
      }
      from = nl + 1;
      nl = text.indexOf("\n", from);
    }
    if (from < text.length) this.#appendPartial(from === 0 ? text : text.slice(from));
    return out;
  }

  /** Emits the open record (for idle timeouts); an incomplete last line stays buffered. */
  flush(): string[] {
    const out: string[] = [];
    this.#emit(out);
    return out;
  }

  /** Flushes everything, including an unterminated last line. The assembler can be reused afterwards. */
  end(): string[] {
    const out: string[] = [];
    if (this.#bytesPending) {
      const rest = this.#decoder.decode();
      this.#bytesPending = false;
      if (rest !== "") this.#appendPartial(rest);
    }
    if (this.#partial !== "") this.#takePartial(out);
    this.#emit(out);
    return out;
  }

  #takePartial(out: string[]): void {
    const line = this.#partial;
    const wasCut = this.#partialCut;
    const bytes = this.#partialBytes;
    this.#partial = "";
    this.#partialCut = false;
    this.#partialBytes = 0;
    this.#line(line, wasCut, out, bytes);
  }

  #appendPartial(s: string): void {
    if (this.#limitBytes !== undefined) this.#partialBytes += utf8Bytes(s);
    if (this.#partialCut) return;
    const room = this.#maxChars - this.#partial.length;
    if (s.length <= room) {
      this.#partial += s;
    } else {
      this.#partial = cut(this.#partial + s.slice(0, room + 1), this.#maxChars);
      this.#partialCut = true;
    }
  }

  /**
   * One physical line; `wasCut` when it already lost its tail to `maxRecordChars`, and `bytes` its UTF-8
   * length before (with `lineLimitBytes`). Past the line limit it is cut and marked here.
   */
  #line(raw: string, wasCut: boolean, out: string[], bytes: number | null = null): void {
    let line = raw.charCodeAt(raw.length - 1) === 0x0d ? raw.slice(0, -1) : raw;
    if (this.#limitBytes !== undefined) {
      const held = wasCut ? cutLine(line, this.#limitBytes, bytes) : cutLine(line, this.#limitBytes);
      if (held) line = held.text;
    }
    if (isBlank(line)) return;
    if (isJsonLine(line)) {
      this.#emit(out);
      if (wasCut) this.#truncated++;
      out.push(line);
      return;
    }
    if (this.#pending !== null && this.#group && this.#grouper.continues(line)) {
      this.#append(line, wasCut);
      return;
    }
    this.#emit(out);
    if (wasCut) this.#truncated++;
    this.#pending = line;
    this.#pendingLines = 1;
    this.#pendingCut = wasCut;
    if (this.#group) this.#grouper.start(line);
  }

  #append(line: string, wasCut: boolean): void {
    if (this.#pendingCut) return;
    const pending = this.#pending!;
    if (wasCut || this.#pendingLines >= this.#maxLines || pending.length + 1 + line.length > this.#maxChars) {
      const room = this.#maxChars - pending.length - 1;
      if (room > 0 && this.#pendingLines < this.#maxLines) this.#pending = `${pending}\n${cut(line, room)}`;
      this.#pendingCut = true;
      this.#truncated++;
      return;
    }
    this.#pending = `${pending}\n${line}`;
    this.#pendingLines++;
  }

  #emit(out: string[]): void {
    if (this.#pending !== null) {
      out.push(this.#pending);
      this.#pending = null;
    }
  }
}

/** Logical lines of a byte or text stream (a file, a socket, stdin), with the defaults of `LineAssembler`. */
export async function* readRecords(
  stream: AsyncIterable<Uint8Array | string>,
  options?: LineAssemblerOptions,
): AsyncGenerator<string, void, undefined> {
  const assembler = new LineAssembler(options);
  for await (const chunk of stream) yield* assembler.push(chunk);
  yield* assembler.end();
}
