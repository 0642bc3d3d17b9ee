/**
 * Base64 of typed arrays in little-endian byte order, written through a DataView so a model saved
 * on one machine loads bit-for-bit on any other, and thresholds keep every bit of their doubles.
 */
export function encodeFloat64(values: Float64Array): string {
  const view = new DataView(new ArrayBuffer(values.length * 8));
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return Buffer.from(view.buffer).toString("base64");
}

export function encodeInt32(values: Int32Array): string {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i]!, true);
  return Buffer.from(view.buffer).toString("base64");
}

export function decodeFloat64(text: string, what: string): Float64Array {
  const view = bytes(text, 8, what);
  const out = new Float64Array(view.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

export function decodeInt32(text: string, what: string): Int32Array {
  const view = bytes(text, 4, what);
  const out = new Int32Array(view.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

function bytes(text: string, width: number, what: string): DataView {
  if (typeof text !== "string") throw new TypeError(`${what} must be a base64 string`);
  const buf = Buffer.from(text, "base64");
  if (buf.byteLength % width !== 0)
    throw new RangeError(`${what} is not a whole number of ${width}-byte values`);
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
