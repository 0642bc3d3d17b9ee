/** Reads what `ByteWriter` wrote, in the same order; throws on a truncated buffer rather than inventing data. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

export class ByteReader {
  pos = 0;
  /** The same bytes as a Buffer (no copy), for its fast Latin-1 slicing of ASCII strings. */
  #view: Buffer | undefined;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError("segment block truncated");
    return this.buf[this.pos++]!;
  }

  uint(): number {
    let b = this.byte();
    if (b < 0x80) return b;
    let n = b & 0x7f;
    let scale = 0x80;
    do {
      b = this.byte();
      n += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b >= 0x80);
    return n;
  }

  int(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  string(): string {
    const n = this.uint();
    const at = this.pos;
    const bytes = this.bytes(n);
    // Short ASCII strings (most dictionary values) sliced as Latin-1, the same text at half the
    // decoder's cost per call.
    if (n <= SHORT_STRING) {
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (bytes[i]! >= 128) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.#view ??= Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
        return this.#view.toString("latin1", at, at + n);
      }
    }
    return utf8.decode(bytes);
  }

  /** Moves past `n` bytes (a value a reader only needs the place of). */
  skip(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError("segment block truncated");
    this.pos += n;
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new RangeError("segment block truncated");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Strings up to this many bytes are checked for plain ASCII before the UTF-8 decoder is called. */
const SHORT_STRING = 48;
