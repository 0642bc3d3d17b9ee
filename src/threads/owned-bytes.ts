/**
 * Whether `bytes` spans its whole buffer. Only then can the buffer be moved to another thread (a
 * `postMessage` transfer list) for the bytes alone: a view of a larger buffer would move, or clone, all
 * of it.
 */
export function ownsItsBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}

/** `bytes`, or a copy of them that owns its buffer (`ownsItsBuffer`), so it can be moved to another thread. */
export function ownedBytes(bytes: Uint8Array): Uint8Array {
  return ownsItsBuffer(bytes) ? bytes : bytes.slice();
}
