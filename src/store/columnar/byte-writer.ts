/**
 * An append-only byte buffer with the primitives every column uses: unsigned LEB128 varints (small numbers
 * take one byte, so counts, dictionary ids and deltas stay short before compression), zigzag for signed
 * deltas, and length-prefixed UTF-8 strings.
 */
const utf8 = new TextEncoder();

export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  /** A non-negative integer up to 2^53 - 1. */
  uint(n: number): void {
    this.reserve(8);
    // Up to 2^31 with bit operations; above, with division (bit operations would truncate to 32 bits).
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
      if (this.pos + 1 > this.buf.length) this.reserve(8);
    }
    this.buf[this.pos++] = n;
  }

  /** A signed integer of magnitude below 2^52, zigzag-mapped so small negatives stay short. */
  int(n: number): void {
    this.uint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  /** A UTF-8 string, its byte length first. */
  string(s: string): void {
    // encodeInto needs at most 3 bytes per UTF-16 unit; write after a worst-case length prefix slot.
    const max = s.length * 3;
    this.reserve(max + 10);
    if (max < 0x80) {
      const at = this.pos++;
      const { written } = utf8.encodeInto(s, this.buf.subarray(this.pos));
      this.buf[at] = written;
      this.pos += written;
      return;
    }
    // Encoded in place after room for the longest length prefix, then moved back when the actual
    // length's prefix is shorter: no intermediate array per string (`reserve` above made room for
    // both, so `uint` does not move the buffer).
    const room = varintSize(max);
    const { written } = utf8.encodeInto(s, this.buf.subarray(this.pos + room));
    const size = varintSize(written);
    if (size < room) this.buf.copyWithin(this.pos + size, this.pos + room, this.pos + room + written);
    this.uint(written);
    this.pos += written;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** The bytes written so far (a view: copy it if the writer is used again). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Bytes of `n` as an unsigned varint (what `ByteWriter.uint` writes for it). */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}
