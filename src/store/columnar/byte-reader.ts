/** Reads what `ByteWriter` wrote, in the same order; throws on a truncated buffer rather than inventing data. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

export class ByteReader {
  pos = 0;

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
    return utf8.decode(this.bytes(n));
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new RangeError("segment block truncated");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
