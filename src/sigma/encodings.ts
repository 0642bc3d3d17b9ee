/**
 * The encoding modifiers (`base64`, `base64offset`, `wide`/`utf16le`, `utf16be`, `utf16`), on bytes. A
 * value is text until an encoding turns it into bytes; the bytes a log shows as text (an encoded command
 * line) are the result, so the final value is the bytes read back one character a byte (latin1), which is
 * what a base64 string is anyway.
 */

/** Text or bytes: `wide` makes bytes, base64 reads bytes back into (ASCII) text. */
export type Encoded = { kind: "text"; text: string } | { kind: "bytes"; bytes: Buffer };

export function bytesOf(value: Encoded): Buffer {
  return value.kind === "bytes" ? value.bytes : Buffer.from(value.text, "utf8");
}

/** The final string a matcher compares: bytes read one character a byte. */
export function textOf(value: Encoded): string {
  return value.kind === "text" ? value.text : value.bytes.toString("latin1");
}

export function utf16le(value: Encoded): Encoded {
  return { kind: "bytes", bytes: Buffer.from(textOf(value), "utf16le") };
}

export function utf16be(value: Encoded): Encoded {
  const le = Buffer.from(textOf(value), "utf16le");
  return { kind: "bytes", bytes: le.swap16() };
}

/** `utf16`: little-endian with its byte order mark, as Windows writes it. */
export function utf16bom(value: Encoded): Encoded {
  return { kind: "bytes", bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), bytesOf(utf16le(value))]) };
}

export function base64(value: Encoded): Encoded {
  return { kind: "text", text: bytesOf(value).toString("base64") };
}

/**
 * `base64offset`: the value somewhere inside a longer base64 text. Base64 encodes 3 bytes as 4 characters,
 * so the value's own characters depend on where it starts modulo 3: for each of the three shifts, encode the
 * value after that many filler bytes and keep only the characters the filler and the cut end do not touch
 * (pySigma's SigmaBase64OffsetModifier, which every backend follows).
 */
export function base64offset(value: Encoded): Encoded[] {
  const bytes = bytesOf(value);
  const startCut = [0, 2, 3];
  const endCut = [0, 3, 2];
  const out: Encoded[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]).toString("base64");
    const cutEnd = endCut[(bytes.length + shift) % 3]!;
    out.push({ kind: "text", text: encoded.slice(startCut[shift]!, encoded.length - cutEnd) });
  }
  return out;
}
