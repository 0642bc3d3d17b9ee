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

const ZERO = 48;
const NINE = 57;

/**
 * A text's shape and values: each maximal run of ASCII digits (what `/\d+/g` matches) becomes a
 * wildcard and a value. The static pieces between runs never hold a digit and are never empty inside,
 * so splitting the text by the shape's pieces gives back exactly these values; one pass instead of a
 * regex replace, a split and a check.
 */
export function shapeOf(text: string): { shapeText: string; values: string[] } {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) break;
    i++;
  }
  if (i === n) return { shapeText: text, values: [] };
  const values: string[] = [];
  let shapeText = "";
  let from = 0;
  while (i < n) {
    const start = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      i++;
    }
    shapeText += `${text.slice(from, start)}${WILDCARD}`;
    values.push(text.slice(start, i));
    from = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c >= ZERO && c <= NINE) break;
      i++;
    }
  }
  return { shapeText: shapeText + text.slice(from), values };
}

/**
 * Whether values split from a text by a shape's pieces are that text's digit runs, so the shape is
 * the text's own (`shapeOf`): a shape's pieces hold no digit and those between wildcards are not
 * empty, so values that are non-empty and all digits are exactly the text's maximal digit runs.
 */
function allDigitRuns(values: readonly string[]): boolean {
  for (const v of values) {
    if (v.length === 0) return false;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < ZERO || c > NINE) return false;
    }
  }
  return true;
}

/** Builds a shaped column a row at a time: from texts (`add`) or from shapes and values already split. */
export class ShapedColumnBuilder {
  private readonly shapes: Shape[] = [];
  private readonly shapeIds = new Map<string, number>();
  private readonly rowShape: number[] = [];
  private lastShape = -1;

  /** The id of a shape (a literal one is a whole text holding the wildcard marker, without slots). */
  shape(literal: boolean, shapeText: string): number {
    const key = `${literal ? "L" : "S"}${shapeText}`;
    let shape = this.shapeIds.get(key);
    if (shape === undefined) {
      shape = this.shapes.length;
      this.shapeIds.set(key, shape);
      const pieces = literal ? null : templatePieces(shapeText);
      this.shapes.push({
        text: shapeText,
        pieces,
        count: 0,
        slots: pieces ? pieces.slice(1).map(() => []) : [],
      });
    }
    return shape;
  }

  /** Adds a row of shape `shape`; returns its slot columns, for the caller to push the row's values on. */
  addRow(shape: number): string[][] {
    this.rowShape.push(shape);
    const s = this.shapes[shape]!;
    s.count++;
    return s.slots;
  }

  add(text: string): void {
    if (text.includes(WILDCARD)) {
      this.addRow(this.shape(true, text));
      return;
    }
    // Texts of a source mostly share the previous text's shape (`{"n":<*>}`): when the previous
    // shape's pieces split this text into digit runs, that is its shape (`allDigitRuns`), found
    // without building the shape text and its key again.
    const last = this.shapes[this.lastShape];
    if (last?.pieces) {
      const values = splitByPieces(last.pieces, text);
      if (values !== null && allDigitRuns(values)) {
        const slots = this.addRow(this.lastShape);
        for (let k = 0; k < values.length; k++) slots[k]!.push(values[k]!);
        return;
      }
    }
    const { shapeText, values } = shapeOf(text);
    const shape = this.shape(false, shapeText);
    this.lastShape = shape;
    const slots = this.addRow(shape);
    for (let k = 0; k < values.length; k++) slots[k]!.push(values[k]!);
  }

  write(out: ByteWriter): void {
    const shapes = this.shapes;
    out.uint(shapes.length);
    for (const s of shapes) {
      out.byte(s.pieces ? 1 : 0);
      out.string(s.text);
    }
    for (const id of this.rowShape) out.uint(id);
    for (const s of shapes) {
      for (const values of s.slots) {
        const slot = encodeSlot(values);
        writeSlotStats(out, slot.stats);
        slot.writeColumn(out);
      }
    }
  }
}

/**
 * A shaped column as stored: its shapes, each row's shape and rank among that shape's rows, and per
 * shape the values of each wildcard by rank (texts are built from them only when asked for).
 */
export interface ShapedCodes {
  shapes: { pieces: string[] | null; text: string }[];
  rowShape: Uint32Array;
  rank: Uint32Array;
  values: string[][][];
}

export function readShapedCodes(input: ByteReader, count: number): ShapedCodes {
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
  const values = shapes.map((s, k) =>
    (s.pieces ?? [""]).slice(1).map(() => {
      const stats: SlotStats = readSlotStats(input);
      return readSlotColumn(input, stats, counts[k]!);
    }),
  );
  return { shapes, rowShape, rank, values };
}

/** Row `i`'s text: a reader showing a page of a segment builds its rows' texts only. */
export function shapedText({ shapes, rowShape, rank, values }: ShapedCodes, i: number): string {
  const s = shapes[rowShape[i]!]!;
  return s.pieces
    ? fillPieces(
        s.pieces,
        values[rowShape[i]!]!.map((c) => c[rank[i]!]!),
      )
    : s.text;
}
