import { ByteReader } from "./byte-reader.js";
import { type DictionaryColumn, readDictionaryColumn } from "./dictionary-column.js";
import { readBlock } from "./segment-blocks.js";
import { readIndex, readMeta, type SegmentIndex, type SegmentMeta } from "./segment-meta.js";
import type { SegmentRecordWithRef } from "./segment-record.js";
import { readShapedColumn } from "./shaped-text-column.js";
import { readSlotColumn } from "./slot-column.js";
import { fillPieces, templatePieces } from "./template-pieces.js";
import { readTimeMs, timeText } from "./time-column.js";

/** The metadata block alone: enough to skip a segment by time, service, host, severity or template. */
export function readSegmentMeta(segment: Uint8Array): SegmentMeta {
  return readMeta(readBlock(segment, "meta"));
}

/** The index block alone (templates, value dictionaries, verbatim messages): what search prefilters on. */
export function readSegmentIndex(
  segment: Uint8Array,
  meta: SegmentMeta = readSegmentMeta(segment),
): SegmentIndex {
  return readIndex(readBlock(segment, "index"), meta);
}

/** Record times and template entries of a segment, for histograms and counts. */
export interface SegmentTimes {
  meta: SegmentMeta;
  /** Epoch ms of each record's time (texts that are not canonical ISO are parsed with `Date.parse`). */
  ms: Float64Array;
  /** Each record's entry in `meta.templates` (its template id is `meta.templates[entry].templateId`). */
  entries: Uint32Array;
  /** Record time texts kept verbatim, by position (canonical ones are `new Date(ms).toISOString()`). */
  verbatimTimes: ReadonlyMap<number, string>;
}

/** Decodes the metadata and times blocks only. */
export function decodeSegmentTimes(segment: Uint8Array): SegmentTimes {
  const meta = readSegmentMeta(segment);
  const input = new ByteReader(readBlock(segment, "times"));
  const { ms, verbatim } = readTimeMs(input, meta.count);
  for (const [i, text] of verbatim) ms[i] = Date.parse(text);
  const entries = new Uint32Array(meta.count);
  for (let i = 0; i < meta.count; i++) {
    const e = input.uint();
    if (e >= meta.templates.length) throw new RangeError("template entry out of range");
    entries[i] = e;
  }
  return { meta, ms, entries, verbatimTimes: verbatim };
}

/** Every record of a segment, in reference order. */
export function decodeSegment(segment: Uint8Array): SegmentRecordWithRef[] {
  const reader = new SegmentReader(segment);
  const out = new Array<SegmentRecordWithRef>(reader.count);
  for (let i = 0; i < reader.count; i++) out[i] = reader.record(i);
  return out;
}

/** The records at `positions` (0-based, any order; each must be below the count), in the order given. */
export function decodeSegmentAt(segment: Uint8Array, positions: readonly number[]): SegmentRecordWithRef[] {
  const reader = new SegmentReader(segment);
  return positions.map((p) => {
    if (!Number.isInteger(p) || p < 0 || p >= reader.count)
      throw new RangeError(`no record at position ${p}`);
    return reader.record(p);
  });
}

/**
 * All blocks of a segment decoded into columns, from which records are assembled one at a time (so a
 * caller that wants a few records builds only those).
 */
export class SegmentReader {
  readonly meta: SegmentMeta;
  readonly index: SegmentIndex;
  readonly count: number;
  private readonly times: SegmentTimes;
  private readonly observedMs: Float64Array;
  private readonly observedVerbatim: ReadonlyMap<number, string>;
  private readonly serviceIds: Uint32Array;
  private readonly hostIds: Uint32Array;
  private readonly severity: Float64Array;
  private readonly level: DictionaryColumn;
  private readonly streamIds: Uint32Array;
  private readonly attributes: string[];
  private readonly resource: DictionaryColumn;
  /** Message of each verbatim row. */
  private readonly verbatim = new Map<number, string>();
  private readonly pieces: (string[] | null)[];
  /** Per template entry, per wildcard: the values in record order. */
  private readonly slotValues: string[][][];
  /** Each row's position among its entry's encoded (non-verbatim) rows. */
  private readonly rank: Uint32Array;

  constructor(segment: Uint8Array) {
    this.times = decodeSegmentTimes(segment);
    this.meta = this.times.meta;
    this.count = this.meta.count;
    this.index = readSegmentIndex(segment, this.meta);
    const n = this.count;

    const fields = new ByteReader(readBlock(segment, "fields"));
    const observed = readTimeMs(fields, n);
    this.observedMs = observed.ms;
    this.observedVerbatim = observed.verbatim;
    this.serviceIds = readIds(fields, n, this.meta.services.length);
    this.hostIds = readIds(fields, n, this.meta.hosts.length + 1);
    this.severity = new Float64Array(n);
    for (let i = 0; i < n; i++) this.severity[i] = fields.int();
    this.level = readDictionaryColumn(fields, n);
    this.streamIds = readIds(fields, n, this.meta.streams.length);
    this.attributes = readShapedColumn(fields, n);
    this.resource = readDictionaryColumn(fields, n);

    const vars = new ByteReader(readBlock(segment, "vars"));
    const verbatimCount = vars.uint();
    if (verbatimCount !== this.index.verbatim.length)
      throw new Error("verbatim rows disagree with the index");
    let at = 0;
    for (let k = 0; k < verbatimCount; k++) {
      at += vars.uint();
      this.verbatim.set(at, this.index.verbatim[k]!.message);
    }
    const encodedCount = new Uint32Array(this.meta.templates.length);
    this.rank = new Uint32Array(n);
    const entries = this.times.entries;
    for (let i = 0; i < n; i++) {
      if (this.verbatim.has(i)) continue;
      this.rank[i] = encodedCount[entries[i]!]!++;
    }
    this.pieces = this.meta.templates.map((t) => (t.template === null ? null : templatePieces(t.template)));
    this.slotValues = this.index.templates.map((t, e) =>
      t.slots.map((stats) => readSlotColumn(vars, stats, encodedCount[e]!)),
    );
  }

  /** The record at position `i`. */
  record(i: number): SegmentRecordWithRef {
    const e = this.times.entries[i]!;
    const entry = this.meta.templates[e]!;
    let message = this.verbatim.get(i);
    if (message === undefined) {
      const pieces = this.pieces[e]!;
      const slots = this.slotValues[e]!;
      const r = this.rank[i]!;
      message = fillPieces(
        pieces,
        slots.map((column) => column[r]!),
      );
    }
    const hostId = this.hostIds[i]!;
    return {
      ref: this.meta.firstRef + i,
      timestamp: timeText(this.times.ms, this.times.verbatimTimes, i),
      observedAt: timeText(this.observedMs, this.observedVerbatim, i),
      service: this.meta.services[this.serviceIds[i]!]!,
      host: hostId === 0 ? null : this.meta.hosts[hostId - 1]!,
      level: this.level.dict[this.level.ids[i]!] ?? null,
      severityNumber: this.severity[i]!,
      message,
      attributes: this.attributes[i]!,
      resource: present(this.resource, i),
      stream: this.meta.streams[this.streamIds[i]!]!,
      templateId: entry.templateId,
      template: entry.template,
    };
  }
}

function readIds(input: ByteReader, count: number, limit: number): Uint32Array {
  const ids = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const id = input.uint();
    if (id >= limit) throw new RangeError("segment id out of range");
    ids[i] = id;
  }
  return ids;
}

/** Row `i` of a column that has no nulls. */
function present(column: DictionaryColumn, i: number): string {
  const v = column.dict[column.ids[i]!];
  if (v === null || v === undefined) throw new Error("null in a column that has no nulls");
  return v;
}
