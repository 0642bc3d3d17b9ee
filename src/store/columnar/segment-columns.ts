import { ByteReader } from "./byte-reader.js";
import { type DictionaryColumn, readDictionaryColumn } from "./dictionary-column.js";
import { readBlock } from "./segment-blocks.js";
import { readIndex, readMeta, type SegmentIndex, type SegmentMeta } from "./segment-meta.js";
import { readShapedCodes, type ShapedCodes } from "./shaped-text-column.js";
import { readSlotCodes, type SlotCodes, type SlotStats, slotValue } from "./slot-column.js";
import { readTimeMs } from "./time-column.js";

/**
 * A segment's columns as stored, decoded but not assembled into records: what `SegmentReader` builds
 * records from, and what a seal re-encodes without building them (`SegmentBuilder.addDecoded`).
 */

/** How a slot's values are stored in the vars block: all a reader needs to walk the block. */
export type SlotKind = SlotStats["kind"];

/** The layout of the vars block a segment's index implies (`SegmentReader` walks the block with it). */
export interface IndexShape {
  /** Per template entry, each wildcard's column kind. */
  slotKinds: SlotKind[][];
  verbatimCount: number;
}

/** Epoch ms per row (NaN where the text is kept verbatim) and the verbatim texts by row, in row order. */
export interface TimeColumn {
  ms: Float64Array;
  verbatim: Map<number, string>;
}

/** The columns of the fields block. */
export interface FieldColumns {
  observed: TimeColumn;
  serviceIds: Uint32Array;
  hostIds: Uint32Array;
  severity: Float64Array;
  level: DictionaryColumn;
  streamIds: Uint32Array;
  attributes: ShapedCodes;
  resource: DictionaryColumn;
}

export function readFieldColumns(segment: Uint8Array, meta: SegmentMeta): FieldColumns {
  const n = meta.count;
  const input = new ByteReader(readBlock(segment, "fields"));
  const observed = readTimeMs(input, n);
  const serviceIds = readIds(input, n, meta.services.length);
  const hostIds = readIds(input, n, meta.hosts.length + 1);
  const severity = new Float64Array(n);
  for (let i = 0; i < n; i++) severity[i] = input.int();
  return {
    observed,
    serviceIds,
    hostIds,
    severity,
    level: readDictionaryColumn(input, n),
    streamIds: readIds(input, n, meta.streams.length),
    attributes: readShapedCodes(input, n),
    resource: readDictionaryColumn(input, n),
  };
}

/** The vars block: verbatim rows, and each (template, wildcard)'s values as stored. */
export interface MessageCodes {
  /** Row → its position among the index's verbatim messages. */
  verbatim: Map<number, number>;
  /** Per template entry, per wildcard: the values in record order. */
  codes: SlotCodes[][];
  /** Each row's position among its entry's encoded (non-verbatim) rows. */
  rank: Uint32Array;
}

/** Reads the vars block of a segment whose rows have the template `entries` (`meta.templates` indexes). */
export function readMessageCodes(
  segment: Uint8Array,
  meta: SegmentMeta,
  shape: IndexShape,
  entries: Uint32Array,
): MessageCodes {
  const n = meta.count;
  const vars = new ByteReader(readBlock(segment, "vars"));
  const verbatimCount = vars.uint();
  if (verbatimCount !== shape.verbatimCount) throw new Error("verbatim rows disagree with the index");
  const verbatim = new Map<number, number>();
  let at = 0;
  for (let k = 0; k < verbatimCount; k++) {
    at += vars.uint();
    verbatim.set(at, k);
  }
  const encodedCount = new Uint32Array(meta.templates.length);
  const rank = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (verbatim.has(i)) continue;
    rank[i] = encodedCount[entries[i]!]!++;
  }
  const codes = shape.slotKinds.map((kinds, e) =>
    kinds.map((kind) => readSlotCodes(vars, kind, encodedCount[e]!)),
  );
  return { verbatim, rank, codes };
}

/** The values of each wildcard of a template entry as strings, by rank (`MessageCodes.rank`). */
export function slotStrings(codes: readonly SlotCodes[], slots: readonly SlotStats[]): string[][] {
  return codes.map((c, k) => {
    const out = new Array<string>(c.kind === "number" ? c.nums.length : c.ids.length);
    for (let x = 0; x < out.length; x++) out[x] = slotValue(c, slots[k]!, x);
    return out;
  });
}

export function readIds(input: ByteReader, count: number, limit: number): Uint32Array {
  const ids = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const id = input.uint();
    if (id >= limit) throw new RangeError("segment id out of range");
    ids[i] = id;
  }
  return ids;
}

/** A decoded segment (a batch being sealed) whose rows a `SegmentBuilder` adds as they are stored. */
export interface DecodedRows {
  meta: SegmentMeta;
  index: SegmentIndex;
  times: TimeColumn;
  /** Each row's entry in `meta.templates`. */
  entries: Uint32Array;
  fields: FieldColumns;
  messages: MessageCodes;
  /** Per template entry, per wildcard: the values as strings, by rank. */
  slotValues: string[][][];
}

/** Every column of a segment, no record built: times stay ms, messages their template's values. */
export function decodeRows(segment: Uint8Array): DecodedRows {
  const meta = readMeta(readBlock(segment, "meta"));
  const index = readIndex(readBlock(segment, "index"), meta);
  const input = new ByteReader(readBlock(segment, "times"));
  const times = readTimeMs(input, meta.count);
  const entries = readIds(input, meta.count, meta.templates.length);
  const shape: IndexShape = {
    slotKinds: index.templates.map((t) => t.slots.map((s) => s.kind)),
    verbatimCount: index.verbatim.length,
  };
  const messages = readMessageCodes(segment, meta, shape, entries);
  return {
    meta,
    index,
    times,
    entries,
    fields: readFieldColumns(segment, meta),
    messages,
    slotValues: messages.codes.map((codes, e) => slotStrings(codes, index.templates[e]!.slots)),
  };
}
