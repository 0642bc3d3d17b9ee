import type { ByteReader } from "./byte-reader.js";
import type { ByteWriter } from "./byte-writer.js";

/**
 * A low-cardinality column (service, host, level, stream, attributes, resource): its distinct values in
 * order of first appearance, then one id per row. Null is id 0 and the values count from 1, so a nullable
 * column needs no separate null mask. `DictionaryBuilder` builds one a row at a time.
 */
export class DictionaryBuilder {
  private readonly ids = new Map<string, number>();
  private readonly dict: string[] = [];

  id(v: string | null): number {
    if (v === null) return 0;
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.dict.length + 1;
      this.ids.set(v, id);
      this.dict.push(v);
    }
    return id;
  }

  /** The column: the dictionary, then the first `count` of `rowIds` (ids from `id`). */
  write(out: ByteWriter, rowIds: Uint32Array, count: number): void {
    writeStrings(out, this.dict);
    for (let i = 0; i < count; i++) out.uint(rowIds[i]!);
  }
}

/** A decoded dictionary column: `dict[ids[i]]` is row i's value (`dict[0]` is null). */
export interface DictionaryColumn {
  dict: (string | null)[];
  ids: Uint32Array;
}

export function readDictionaryColumn(input: ByteReader, count: number): DictionaryColumn {
  const dict: (string | null)[] = [null, ...readStrings(input)];
  const ids = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const id = input.uint();
    if (id >= dict.length) throw new RangeError("segment dictionary id out of range");
    ids[i] = id;
  }
  return { dict, ids };
}

export function writeStrings(out: ByteWriter, values: readonly string[]): void {
  out.uint(values.length);
  for (const v of values) out.string(v);
}

export function readStrings(input: ByteReader): string[] {
  const n = input.uint();
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = input.string();
  return out;
}
