import { cutLine } from "../../core/line-limit.js";

/**
 * Splits a syslog TCP stream into messages (RFC 6587): octet counting (`LEN SP MSG`) when a frame starts
 * with a digit, otherwise non-transparent framing ended by LF (a CR before it, or a NUL terminator as some
 * relays send, is dropped). The method is chosen per frame, so a sender may mix them. A frame longer than
 * `maxBytes` is cut to it (the rest of that frame is skipped), so a sender that never frames cannot make
 * the buffer grow without bound.
 */
export class SyslogFrameReader {
  #buf: Buffer = Buffer.alloc(0);
  /** Bytes still to skip of a frame that was cut. */
  #skip = 0;
  /** True while skipping the rest of an over-long newline-framed message. */
  #skipToNewline = false;
  truncated = 0;

  constructor(
    readonly maxBytes: number,
    /** End a cut message with the line limit's mark (`cutLine`), which its record is flagged by. */
    readonly markCuts = false,
  ) {}

  /** A message cut to `maxBytes`, marked when `markCuts`: `originalBytes` null when not known. */
  #cut(message: string, originalBytes: number | null): string {
    this.truncated++;
    if (!this.markCuts) return message;
    return cutLine(message, this.maxBytes, originalBytes)?.text ?? message;
  }

  /** Bytes held of a message not complete yet (at most `maxBytes` and a length prefix). */
  get pendingBytes(): number {
    return this.#buf.length;
  }

  push(chunk: Buffer): string[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: string[] = [];
    for (;;) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, this.#buf.length);
        this.#buf = this.#buf.subarray(n);
        this.#skip -= n;
        if (this.#skip > 0) break;
      }
      if (this.#skipToNewline) {
        const nl = this.#buf.indexOf(0x0a);
        if (nl === -1) {
          this.#buf = Buffer.alloc(0);
          break;
        }
        this.#buf = this.#buf.subarray(nl + 1);
        this.#skipToNewline = false;
      }
      if (this.#buf.length === 0) break;
      const message = this.#next();
      if (message === null) break;
      if (message !== "") out.push(message);
    }
    return out;
  }

  /** What is left when the peer closes: an unterminated last message. */
  end(): string[] {
    const rest = this.#skip > 0 || this.#skipToNewline ? "" : clean(this.#buf);
    this.#buf = Buffer.alloc(0);
    return rest === "" ? [] : [rest];
  }

  /** The next complete message, "" for an empty frame, null when more bytes are needed. */
  #next(): string | null {
    const b = this.#buf;
    const first = b[0]!;
    if (first >= 0x30 && first <= 0x39) {
      let i = 0;
      let len = 0;
      while (i < b.length && i < 10 && b[i]! >= 0x30 && b[i]! <= 0x39) len = len * 10 + (b[i++]! - 0x30);
      if (i === b.length) return null; // the length itself is incomplete
      if (b[i] === 0x20 && i < 10) {
        const start = i + 1;
        if (len > this.maxBytes) {
          // Keep the first maxBytes, skip the rest of the frame.
          if (b.length < start + this.maxBytes) return null;
          const msg = this.#cut(clean(b.subarray(start, start + this.maxBytes)), len);
          this.#buf = b.subarray(start + this.maxBytes);
          this.#skip = len - this.maxBytes;
          return msg;
        }
        if (b.length < start + len) return null;
        const msg = clean(b.subarray(start, start + len));
        this.#buf = b.subarray(start + len);
        return msg;
      }
      // Digits not followed by a space: not a length, so an LF-framed line.
    }
    const nl = b.indexOf(0x0a);
    if (nl === -1) {
      if (b.length <= this.maxBytes) return null;
      // Emitted now, so the rest of the line (however long) is skipped, never held: its length is unknown.
      const msg = this.#cut(clean(b.subarray(0, this.maxBytes)), null);
      this.#buf = Buffer.alloc(0);
      this.#skipToNewline = true;
      return msg;
    }
    let msg = clean(b.subarray(0, Math.min(nl, this.maxBytes)));
    if (nl > this.maxBytes) msg = this.#cut(msg, nl);
    this.#buf = b.subarray(nl + 1);
    return msg;
  }
}

/** Message text without the trailing CR/LF/NUL that senders append. */
export function clean(bytes: Buffer): string {
  let end = bytes.length;
  while (end > 0) {
    const c = bytes[end - 1];
    if (c !== 0x0a && c !== 0x0d && c !== 0x00) break;
    end--;
  }
  return bytes.toString("utf8", 0, end);
}
