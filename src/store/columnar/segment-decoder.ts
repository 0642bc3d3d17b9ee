import { ByteReader } from "./byte-reader.js";
import type { DictionaryColumn } from "./dictionary-column.js";
import type { NumberWordTest } from "./number-match.js";
import { withHost } from "./resource-host.js";
import { readBlock } from "./segment-blocks.js";
import {
  type FieldColumns,
  type IndexShape,
  type MessageCodes,
  readFieldColumns,
  readMessageCodes,
  slotStrings,
} from "./segment-columns.js";
import { readIndex, readMeta, type SegmentIndex, type SegmentMeta } from "./segment-meta.js";
import type { SegmentRecordWithRef } from "./segment-record.js";
import { shapedText } from "./shaped-text-column.js";
import type { SlotStats } from "./slot-column.js";
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
export function decodeSegmentTimes(
  segment: Uint8Array,
  meta: SegmentMeta = readSegmentMeta(segment),
): SegmentTimes {
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

/** The vars block's columns, and per template entry (once a message of it is built) its values as strings. */
type MessageColumns = MessageCodes & { strings: (string[][] | undefined)[] };

/**
 * What a reader builds messages from when the index block is not parsed whole (`LeanIndex`): one
 * entry's slot stats, one verbatim message.
 */
export interface IndexParts {
  slotsOf(entry: number): readonly SlotStats[];
  verbatimMessage(k: number): string;
}

/**
 * A segment's columns, each block decompressed and decoded on first use: the times and template
 * entries at once, messages (index and vars blocks) when a message is asked for, the other fields
 * when a whole record is. Records are assembled one at a time, so a caller that wants a few builds
 * only those, and a search that rejects a row on its time, template or message never decodes the
 * fields block of a segment without a match.
 */
export class SegmentReader {
  readonly meta: SegmentMeta;
  readonly count: number;
  private readonly times: SegmentTimes;
  private indexBlock: SegmentIndex | undefined;
  private knownShape: IndexShape | undefined;
  private readonly onIndex: ((index: SegmentIndex) => void) | undefined;
  private readonly indexSource: (() => SegmentIndex) | undefined;
  private readonly indexParts: IndexParts | undefined;
  private fieldColumns: FieldColumns | undefined;
  private messageColumns: MessageColumns | undefined;
  private templatePieces: (string[] | null)[] | undefined;

  /**
   * `known.shape` (from a `LeanIndex`) lets the reader walk the vars block, and so test rows' numbers
   * and tell verbatim rows, without parsing the index block; it is parsed when a message is built, and
   * handed to `known.onIndex` (a cache of parsed indexes may keep it).
   */
  constructor(
    private readonly segment: Uint8Array,
    known: {
      meta?: SegmentMeta;
      index?: SegmentIndex;
      shape?: IndexShape;
      /** Parses the index block when asked (a `LeanIndex` holds it decompressed). */
      parseIndex?: () => SegmentIndex;
      onIndex?: (index: SegmentIndex) => void;
      /** Builds messages entry by entry (their dictionaries alone) while the index is not parsed. */
      parts?: IndexParts;
    } = {},
  ) {
    this.times = decodeSegmentTimes(segment, known.meta);
    this.meta = this.times.meta;
    this.count = this.meta.count;
    this.indexBlock = known.index;
    this.knownShape = known.shape;
    this.onIndex = known.onIndex;
    this.indexSource = known.parseIndex;
    this.indexParts = known.parts;
  }

  get index(): SegmentIndex {
    if (this.indexBlock) return this.indexBlock;
    this.indexBlock = this.indexSource ? this.indexSource() : readSegmentIndex(this.segment, this.meta);
    this.onIndex?.(this.indexBlock);
    return this.indexBlock;
  }

  private get shape(): IndexShape {
    if (this.knownShape) return this.knownShape;
    const index = this.index;
    this.knownShape = {
      slotKinds: index.templates.map((t) => t.slots.map((s) => s.kind)),
      verbatimCount: index.verbatim.length,
    };
    return this.knownShape;
  }

  /** Row i's entry in `meta.templates`. */
  entry(i: number): number {
    return this.times.entries[i]!;
  }

  /** Row i's record time text. */
  timestamp(i: number): string {
    return timeText(this.times.ms, this.times.verbatimTimes, i);
  }

  /**
   * Row i's record time in epoch milliseconds, whose text is `new Date(ms).toISOString()`; NaN for a
   * time kept as written (not in that form). Lets a reader turn rows down on their time without
   * building their texts.
   */
  timeMs(i: number): number {
    const verbatim = this.times.verbatimTimes;
    return verbatim.size > 0 && verbatim.has(i) ? Number.NaN : this.times.ms[i]!;
  }

  private get fields(): FieldColumns {
    if (this.fieldColumns) return this.fieldColumns;
    // Attribute texts are built per record (`record`): a page shows 50 rows of a 16,384-row segment,
    // and building every row's text was a tenth of a cold newest page.
    this.fieldColumns = readFieldColumns(this.segment, this.meta);
    return this.fieldColumns;
  }

  private get messages(): MessageColumns {
    this.messageColumns ??= {
      ...readMessageCodes(this.segment, this.meta, this.shape, this.times.entries),
      strings: [],
    };
    return this.messageColumns;
  }

  /**
   * Whether encoded row i's numbers pass every test (`SegmentPlan.numberTests`): for each, one of the
   * row's number columns holds a value the test accepts. False only for a row whose message cannot
   * hold the words the tests are for.
   */
  numbersMayMatch(i: number, tests: readonly NumberWordTest[]): boolean {
    const m = this.messages;
    const columns = m.codes[this.times.entries[i]!]!;
    const r = m.rank[i]!;
    for (const test of tests) {
      let found = false;
      for (let k = 0; k < columns.length && !found; k++) {
        const c = columns[k]!;
        const values = test[k];
        found = !!values && c.kind === "number" && values.matches(c.nums[r]!, c.pads ? c.pads[r]! : 0);
      }
      if (!found) return false;
    }
    return true;
  }

  /** Whether row i's message is stored verbatim (not encoded against its template). */
  isVerbatim(i: number): boolean {
    // Most segments have no verbatim message: a count then never decodes the vars block to be told so.
    if (this.messageColumns === undefined && this.shape.verbatimCount === 0) return false;
    return this.messages.verbatim.has(i);
  }

  /** Row i's message. */
  message(i: number): string {
    const m = this.messages;
    // Parts of the index where they are at hand and it is not parsed: a count that builds the messages
    // of a few rows of a segment of fresh values read one entry's values, not tens of thousands.
    const parts = this.indexBlock === undefined ? this.indexParts : undefined;
    const verbatim = m.verbatim.get(i);
    if (verbatim !== undefined)
      return parts ? parts.verbatimMessage(verbatim) : this.index.verbatim[verbatim]!.message;
    const e = this.times.entries[i]!;
    const r = m.rank[i]!;
    this.templatePieces ??= this.meta.templates.map((t) =>
      t.template === null ? null : templatePieces(t.template),
    );
    // An entry's columns as strings, built at its first message: a kept reader shows rows of the same
    // entries again and again (a page, then the next).
    let columns = m.strings[e];
    if (columns === undefined) {
      columns = slotStrings(m.codes[e]!, parts ? parts.slotsOf(e) : this.index.templates[e]!.slots);
      m.strings[e] = columns;
    }
    return fillPieces(
      this.templatePieces[e]!,
      columns.map((column) => column[r]!),
    );
  }

  service(i: number): string {
    return this.meta.services[this.fields.serviceIds[i]!]!;
  }

  host(i: number): string | null {
    const id = this.fields.hostIds[i]!;
    return id === 0 ? null : this.meta.hosts[id - 1]!;
  }

  severityNumber(i: number): number {
    return this.fields.severity[i]!;
  }

  /** Row i's level text, or null. */
  level(i: number): string | null {
    const level = this.fields.level;
    return level.dict[level.ids[i]!] ?? null;
  }

  /** Row i's attributes as JSON text. */
  attributesText(i: number): string {
    return shapedText(this.fields.attributes, i);
  }

  /** Row i's stream. */
  stream(i: number): string {
    return this.meta.streams[this.fields.streamIds[i]!]!;
  }

  /** Row i's template id (null for a message mined without one). */
  templateId(i: number): string | null {
    return this.meta.templates[this.times.entries[i]!]!.templateId;
  }

  /** The record at position `i`. */
  record(i: number): SegmentRecordWithRef {
    const f = this.fields;
    const entry = this.meta.templates[this.times.entries[i]!]!;
    const host = this.host(i);
    return {
      ref: this.meta.firstRef + i,
      timestamp: this.timestamp(i),
      observedAt: timeText(f.observed.ms, f.observed.verbatim, i),
      service: this.service(i),
      host,
      level: f.level.dict[f.level.ids[i]!] ?? null,
      severityNumber: f.severity[i]!,
      message: this.message(i),
      attributes: shapedText(f.attributes, i),
      resource: withHost(present(f.resource, i), host),
      stream: this.meta.streams[f.streamIds[i]!]!,
      templateId: entry.templateId,
      template: entry.template,
    };
  }
}

/** Row `i` of a column that has no nulls. */
function present(column: DictionaryColumn, i: number): string {
  const v = column.dict[column.ids[i]!];
  if (v === null || v === undefined) throw new Error("null in a column that has no nulls");
  return v;
}
