import type { ByteReader } from "./byte-reader.js";
import type { ByteWriter } from "./byte-writer.js";
import { encodeSlot, readSlotColumn, readSlotStats, type SlotStats, writeSlotStats } from "./slot-column.js";
import { fillPieces, splitByPieces, templatePieces, WILDCARD } from "./template-pieces.js";

/**
 * A column of short structured texts (the attributes JSON), encoded the way messages are: each text's
 * shape is the text with its digit runs as wildcards (`{"process.pid":<*>}`), the shapes form a small
 * dictionary, and the numbers go to per-(shape, wildcard) slot columns. A pid that changes every few lines
 * made a dictionary of whole texts about as large as the messages' own columns; as numbers it is a delta.
 * A text that already contains the wildcard marker is its own shape, without wildcards.
 */
interface Shape {
  text: string;
  /** Null for a literal shape (the text itself, no wildcards). */
  pieces: string[] | null;
  count: number;
  slots: string[][];
}

const DIGITS = /\d+/g;

export function writeShapedColumn(out: ByteWriter, texts: readonly string[]): void {
  const shapes: Shape[] = [];
  const shapeIds = new Map<string, number>();
  const rowShape = new Uint32Array(texts.length);
  // Texts repeat: remember each one's shape and values.
  const seen = new Map<string, { shape: number; values: string[] }>();
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    let known = seen.get(text);
    if (known === undefined) {
      const literal = text.includes(WILDCARD);
      const shapeText = literal ? text : text.replace(DIGITS, WILDCARD);
      const key = `${literal ? "L" : "S"}${shapeText}`;
      let shape = shapeIds.get(key);
      if (shape === undefined) {
        shape = shapes.length;
        shapeIds.set(key, shape);
        const pieces = literal ? null : templatePieces(shapeText);
        shapes.push({
          text: shapeText,
          pieces,
          count: 0,
          slots: pieces ? pieces.slice(1).map(() => []) : [],
        });
      }
      const s = shapes[shape]!;
      const values = s.pieces ? splitByPieces(s.pieces, text) : [];
      // Digit runs split at their own places, so the values always fit the shape; checked all the same.
      if (values === null || (s.pieces && fillPieces(s.pieces, values) !== text)) {
        throw new Error("shaped text does not fit its shape");
      }
      known = { shape, values };
      seen.set(text, known);
    }
    rowShape[i] = known.shape;
    const s = shapes[known.shape]!;
    s.count++;
    for (let k = 0; k < known.values.length; k++) s.slots[k]!.push(known.values[k]!);
  }
  out.uint(shapes.length);
  for (const s of shapes) {
    out.byte(s.pieces ? 1 : 0);
    out.string(s.text);
  }
  for (let i = 0; i < texts.length; i++) out.uint(rowShape[i]!);
  for (const s of shapes) {
    for (const values of s.slots) {
      const slot = encodeSlot(values);
      writeSlotStats(out, slot.stats);
      slot.writeColumn(out);
    }
  }
}

export function readShapedColumn(input: ByteReader, count: number): string[] {
  const n = input.uint();
  const shapes: { pieces: string[] | null; text: string }[] = [];
  for (let k = 0; k < n; k++) {
    const shaped = input.byte() === 1;
    const text = input.string();
    shapes.push({ text, pieces: shaped ? templatePieces(text) : null });
  }
  const rowShape = new Uint32Array(count);
  const rank = new Uint32Array(count);
  const counts = new Uint32Array(n);
  for (let i = 0; i < count; i++) {
    const s = input.uint();
    if (s >= n) throw new RangeError("shape id out of range");
    rowShape[i] = s;
    rank[i] = counts[s]!++;
  }
  const columns = shapes.map((s, k) =>
    (s.pieces ?? [""]).slice(1).map(() => {
      const stats: SlotStats = readSlotStats(input);
      return readSlotColumn(input, stats, counts[k]!);
    }),
  );
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const s = shapes[rowShape[i]!]!;
    out[i] = s.pieces
      ? fillPieces(
          s.pieces,
          columns[rowShape[i]!]!.map((c) => c[rank[i]!]!),
        )
      : s.text;
  }
  return out;
}
