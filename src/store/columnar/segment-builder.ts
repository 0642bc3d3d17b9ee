import { ByteWriter } from "./byte-writer.js";
import { derivedTemplateId } from "./derived-template-id.js";
import { DictionaryBuilder } from "./dictionary-column.js";
import { withoutHost } from "./resource-host.js";
import type { SegmentBlocks } from "./segment-blocks.js";
import type { DecodedRows } from "./segment-columns.js";
import {
  type IndexedTemplate,
  type SegmentIndex,
  type SegmentMeta,
  writeIndex,
  writeMeta,
} from "./segment-meta.js";
import type { SegmentRecord } from "./segment-record.js";
import { ShapedColumnBuilder } from "./shaped-text-column.js";
import { type EncodedSlot, encodeSlot } from "./slot-column.js";
import { splitByPieces, templatePieces } from "./template-pieces.js";
import { CanonicalTimeParser, writeTimeMs } from "./time-column.js";

/** One (template id, template text) pair of a segment and the variable values of its records. */
interface Entry {
  templateId: string | null;
  template: string | null;
  pieces: string[] | null;
  /** The stream (index) whose derived id is the entry's id, or -1 (`derived-template-id.ts`). */
  derivedFrom: number;
  count: number;
  /** Values per wildcard, one per record encoded against the template, in record order. */
  slots: string[][];
}

/** What a piece's row keeps of its records besides references: their time and severity ranges. */
export type SegmentRange = Pick<SegmentMeta, "minTimestamp" | "maxTimestamp" | "minSeverity" | "maxSeverity">;

/** A time column being built: epoch ms of canonical texts, the other texts by row (in row order). */
class TimeBuilder {
  readonly ms: Float64Array;
  readonly verbatim = new Map<number, string>();
  private readonly parser = new CanonicalTimeParser();

  constructor(capacity: number) {
    this.ms = new Float64Array(capacity);
  }

  /** The last text read and its ms: observed times repeat for a whole request, record times often. */
  private lastText = "";
  private lastMs = Number.NaN;

  /** Returns the text's ms (NaN when kept verbatim). */
  addText(i: number, text: string): number {
    const ms = text === this.lastText ? this.lastMs : this.parser.parse(text);
    this.lastText = text;
    this.lastMs = ms;
    this.ms[i] = ms;
    if (Number.isNaN(ms)) this.verbatim.set(i, text);
    return ms;
  }

  /** A row as decoded: its ms, or its text when that is kept verbatim (its ms is then not written). */
  addMs(i: number, ms: number, verbatimText: string | undefined): void {
    if (verbatimText === undefined) this.ms[i] = ms;
    else {
      this.ms[i] = Number.NaN;
      this.verbatim.set(i, verbatimText);
    }
  }
}

/** Per source segment: its dictionary ids mapped to the builder's (-1 until a row of it is added). */
interface SourceIds {
  source: DecodedRows;
  services: Int32Array;
  hosts: Int32Array;
  levels: Int32Array;
  streams: Int32Array;
  resources: Int32Array;
  entries: Int32Array;
  shapes: Int32Array;
}

/**
 * Builds a segment's blocks a record at a time, from records (`addRecord`: times parsed, messages split
 * against their template, attributes shaped) or from the rows of a decoded segment (`addDecoded`: times,
 * message values and attribute shapes taken as they are stored, nothing parsed or split again). The two
 * give the same bytes for the same records: a decoded row's values are the ones splitting its message
 * gives, since splitting is deterministic and the pieces are the same. Ids (services, entries, shapes,
 * dictionary values) are given in order of first appearance, as the layout requires.
 */
export class SegmentBuilder {
  private n = 0;
  private readonly entries: Entry[] = [];
  /** Entry by template id, then template text. */
  private readonly entryByKey = new Map<string | null, Map<string | null, number>>();
  /**
   * The first entry of each template id: an id almost always has one text in a segment, so a record's
   * entry is found by its short id and one comparison of texts. Looking the text up in `entryByKey`
   * hashed it each time, as the texts arrive as new strings from the event loop (4 % of the thread).
   */
  private readonly firstEntryOfId = new Map<string | null, number>();
  private readonly rowEntry: Uint32Array;
  private readonly verbatimRows: number[] = [];
  private readonly verbatim: SegmentIndex["verbatim"] = [];
  private readonly services = new Map<string, number>();
  private readonly serviceMaxSeverity: number[] = [];
  private readonly hosts = new Map<string, number>();
  private readonly streams = new Map<string, number>();
  private readonly times: TimeBuilder;
  private readonly observed: TimeBuilder;
  private readonly serviceIds: Uint32Array;
  private readonly hostIds: Uint32Array;
  private readonly severity: Float64Array;
  private readonly levels = new DictionaryBuilder();
  private readonly levelIds: Uint32Array;
  private readonly streamIds: Uint32Array;
  private readonly attributes = new ShapedColumnBuilder();
  private readonly resources = new DictionaryBuilder();
  private readonly resourceIds: Uint32Array;
  /** Least and greatest canonical times (their text order is their number order), and verbatim texts. */
  private minMs = Infinity;
  private maxMs = -Infinity;
  private minText: string | undefined;
  private maxText: string | undefined;
  private minSeverity = Infinity;
  private maxSeverity = -Infinity;
  private lastEntry = -1;
  private source: SourceIds | undefined;

  constructor(
    private readonly firstRef: number,
    private readonly capacity: number,
  ) {
    if (!Number.isSafeInteger(firstRef) || firstRef < 1)
      throw new RangeError("firstRef must be a positive integer");
    this.rowEntry = new Uint32Array(capacity);
    this.times = new TimeBuilder(capacity);
    this.observed = new TimeBuilder(capacity);
    this.serviceIds = new Uint32Array(capacity);
    this.hostIds = new Uint32Array(capacity);
    this.severity = new Float64Array(capacity);
    this.levelIds = new Uint32Array(capacity);
    this.streamIds = new Uint32Array(capacity);
    this.resourceIds = new Uint32Array(capacity);
  }

  get count(): number {
    return this.n;
  }

  private nextRow(): number {
    if (this.n >= this.capacity) throw new RangeError("segment builder is full");
    return this.n++;
  }

  private time(ms: number, text: string | undefined): void {
    if (text === undefined) {
      if (ms < this.minMs) this.minMs = ms;
      if (ms > this.maxMs) this.maxMs = ms;
      return;
    }
    if (this.minText === undefined || text < this.minText) this.minText = text;
    if (this.maxText === undefined || text > this.maxText) this.maxText = text;
  }

  private severityOf(i: number, severityNumber: number, service: string): void {
    if (!Number.isSafeInteger(severityNumber)) throw new RangeError("severityNumber must be an integer");
    this.severity[i] = severityNumber;
    if (severityNumber < this.minSeverity) this.minSeverity = severityNumber;
    if (severityNumber > this.maxSeverity) this.maxSeverity = severityNumber;
    let id = this.services.get(service);
    if (id === undefined) {
      id = this.services.size;
      this.services.set(service, id);
      this.serviceMaxSeverity.push(severityNumber);
    } else if (severityNumber > this.serviceMaxSeverity[id]!) this.serviceMaxSeverity[id] = severityNumber;
    this.serviceIds[i] = id;
  }

  private hostId(host: string | null): number {
    if (host === null) return 0;
    let id = this.hosts.get(host);
    if (id === undefined) {
      id = this.hosts.size + 1;
      this.hosts.set(host, id);
    }
    return id;
  }

  private streamId(stream: string): number {
    let id = this.streams.get(stream);
    if (id === undefined) {
      id = this.streams.size;
      this.streams.set(stream, id);
    }
    return id;
  }

  /** The entry of (templateId, template), created at its first record (of stream `stream`). */
  private entryOf(templateId: string | null, template: string | null, stream: string): number {
    const first = this.firstEntryOfId.get(templateId);
    if (first !== undefined && this.entries[first]!.template === template) return first;
    let byText = this.entryByKey.get(templateId);
    if (byText === undefined) {
      byText = new Map();
      this.entryByKey.set(templateId, byText);
    }
    let e = byText.get(template);
    if (e === undefined) {
      e = this.entries.length;
      byText.set(template, e);
      if (first === undefined) this.firstEntryOfId.set(templateId, e);
      const pieces = template === null ? null : templatePieces(template);
      this.entries.push({
        templateId,
        template,
        pieces,
        derivedFrom:
          templateId !== null && template !== null && derivedTemplateId(stream, template) === templateId
            ? this.streams.get(stream)!
            : -1,
        count: 0,
        slots: pieces ? pieces.slice(1).map(() => []) : [],
      });
    }
    return e;
  }

  addRecord(r: SegmentRecord): void {
    const i = this.nextRow();
    const ms = this.times.addText(i, r.timestamp);
    this.time(ms, Number.isNaN(ms) ? r.timestamp : undefined);
    this.observed.addText(i, r.observedAt);
    this.severityOf(i, r.severityNumber, r.service);
    this.hostIds[i] = this.hostId(r.host);
    this.levelIds[i] = this.levels.id(r.level);
    this.streamIds[i] = this.streamId(r.stream);
    this.attributes.add(r.attributes);
    this.resourceIds[i] = this.resources.id(withoutHost(r.resource, r.host));

    // Records of one template come in runs: the previous record's entry is checked first.
    const last = this.entries[this.lastEntry];
    const e =
      last !== undefined && last.templateId === r.templateId && last.template === r.template
        ? this.lastEntry
        : this.entryOf(r.templateId, r.template, r.stream);
    this.lastEntry = e;
    this.rowEntry[i] = e;
    const entry = this.entries[e]!;
    entry.count++;
    // A split is exact by construction (`template-pieces.ts`): the pieces and values give the message back.
    const values = entry.pieces ? splitByPieces(entry.pieces, r.message) : null;
    if (values) for (let k = 0; k < values.length; k++) entry.slots[k]!.push(values[k]!);
    else {
      this.verbatimRows.push(i);
      this.verbatim.push({ entry: e, message: r.message });
    }
  }

  private sourceIds(source: DecodedRows): SourceIds {
    if (this.source?.source === source) return this.source;
    const ids = (n: number) => new Int32Array(n).fill(-1);
    const m = source.meta;
    this.source = {
      source,
      services: ids(m.services.length),
      hosts: ids(m.hosts.length + 1),
      levels: ids(source.fields.level.dict.length),
      streams: ids(m.streams.length),
      resources: ids(source.fields.resource.dict.length),
      entries: ids(m.templates.length),
      shapes: ids(source.fields.attributes.shapes.length),
    };
    return this.source;
  }

  /** Adds row `i` of a decoded segment as it is stored. */
  addDecoded(source: DecodedRows, i: number): void {
    const ids = this.sourceIds(source);
    const row = this.nextRow();
    const m = source.meta;
    const f = source.fields;

    const timeText = source.times.verbatim.size > 0 ? source.times.verbatim.get(i) : undefined;
    const ms = source.times.ms[i]!;
    this.times.addMs(row, ms, timeText);
    this.time(ms, timeText);
    const observedText = f.observed.verbatim.size > 0 ? f.observed.verbatim.get(i) : undefined;
    this.observed.addMs(row, f.observed.ms[i]!, observedText);

    const service = m.services[f.serviceIds[i]!]!;
    this.severityOf(row, f.severity[i]!, service);
    const host = f.hostIds[i]!;
    let id = ids.hosts[host]!;
    if (id < 0) id = ids.hosts[host] = this.hostId(host === 0 ? null : m.hosts[host - 1]!);
    this.hostIds[row] = id;
    const level = f.level.ids[i]!;
    id = ids.levels[level]!;
    if (id < 0) id = ids.levels[level] = this.levels.id(f.level.dict[level] ?? null);
    this.levelIds[row] = id;
    const streamId = f.streamIds[i]!;
    const stream = m.streams[streamId]!;
    id = ids.streams[streamId]!;
    if (id < 0) id = ids.streams[streamId] = this.streamId(stream);
    this.streamIds[row] = id;
    const resource = f.resource.ids[i]!;
    id = ids.resources[resource]!;
    if (id < 0) {
      const text = f.resource.dict[resource];
      if (text === null || text === undefined) throw new Error("null in a column that has no nulls");
      id = ids.resources[resource] = this.resources.id(text);
    }
    this.resourceIds[row] = id;

    const a = f.attributes;
    const shape = a.rowShape[i]!;
    id = ids.shapes[shape]!;
    if (id < 0) {
      const s = a.shapes[shape]!;
      id = ids.shapes[shape] = this.attributes.shape(s.pieces === null, s.text);
    }
    const shapeSlots = this.attributes.addRow(id);
    const shapeValues = a.values[shape]!;
    const shapeRank = a.rank[i]!;
    for (let k = 0; k < shapeSlots.length; k++) shapeSlots[k]!.push(shapeValues[k]![shapeRank]!);

    const sourceEntry = source.entries[i]!;
    let e = ids.entries[sourceEntry]!;
    if (e < 0) {
      const t = m.templates[sourceEntry]!;
      e = ids.entries[sourceEntry] = this.entryOf(t.templateId, t.template, stream);
    }
    this.rowEntry[row] = e;
    const entry = this.entries[e]!;
    entry.count++;
    const verbatim = source.messages.verbatim.size > 0 ? source.messages.verbatim.get(i) : undefined;
    if (verbatim !== undefined) {
      this.verbatimRows.push(row);
      this.verbatim.push({ entry: e, message: source.index.verbatim[verbatim]!.message });
      return;
    }
    const values = source.slotValues[sourceEntry]!;
    const rank = source.messages.rank[i]!;
    for (let k = 0; k < entry.slots.length; k++) entry.slots[k]!.push(values[k]![rank]!);
  }

  /** The least and greatest record time text (code-unit order) and severity of the rows added. */
  range(): SegmentRange {
    if (this.n === 0) throw new RangeError("a segment holds at least one record");
    return {
      minTimestamp: this.extremeTime(this.minMs, this.minText, (a, b) => a < b),
      maxTimestamp: this.extremeTime(this.maxMs, this.maxText, (a, b) => a > b),
      minSeverity: this.minSeverity,
      maxSeverity: this.maxSeverity,
    };
  }

  /** The raw (uncompressed) blocks of the segment of the rows added. */
  blocks(): SegmentBlocks {
    const n = this.n;
    if (n === 0) throw new RangeError("a segment holds at least one record");
    const encodedSlots: EncodedSlot[][] = this.entries.map((e) => e.slots.map(encodeSlot));
    const indexed: IndexedTemplate[] = encodedSlots.map((slots) => ({ slots: slots.map((s) => s.stats) }));
    const meta: SegmentMeta = {
      count: n,
      firstRef: this.firstRef,
      ...this.range(),
      services: [...this.services.keys()],
      serviceMaxSeverity: this.serviceMaxSeverity,
      hosts: [...this.hosts.keys()],
      streams: [...this.streams.keys()],
      templates: this.entries.map((e) => ({
        templateId: e.templateId,
        template: e.template,
        count: e.count,
      })),
    };

    const times = new ByteWriter(n * 3 + 64);
    writeTimeMs(times, this.times.ms, n, this.times.verbatim);
    for (let i = 0; i < n; i++) times.uint(this.rowEntry[i]!);

    const fields = new ByteWriter(n * 8 + 256);
    writeTimeMs(fields, this.observed.ms, n, this.observed.verbatim);
    for (let i = 0; i < n; i++) fields.uint(this.serviceIds[i]!);
    for (let i = 0; i < n; i++) fields.uint(this.hostIds[i]!);
    for (let i = 0; i < n; i++) fields.int(this.severity[i]!);
    this.levels.write(fields, this.levelIds, n);
    for (let i = 0; i < n; i++) fields.uint(this.streamIds[i]!);
    this.attributes.write(fields);
    this.resources.write(fields, this.resourceIds, n);

    const vars = new ByteWriter(n * 4 + 256);
    vars.uint(this.verbatimRows.length);
    let prev = 0;
    for (const i of this.verbatimRows) {
      vars.uint(i - prev);
      prev = i;
    }
    for (const slots of encodedSlots) for (const s of slots) s.writeColumn(vars);

    return {
      meta: writeMeta(
        meta,
        this.entries.map((e) => e.derivedFrom),
      ),
      index: writeIndex({ templates: indexed, verbatim: this.verbatim }),
      times: times.finish(),
      fields: fields.finish(),
      vars: vars.finish(),
    };
  }

  /**
   * The least (or greatest) record time text: canonical texts compare as their ms do, so the extreme
   * canonical one is built once and set against the extreme verbatim one.
   */
  private extremeTime(
    ms: number,
    text: string | undefined,
    before: (a: string, b: string) => boolean,
  ): string {
    if (!Number.isFinite(ms)) return text!;
    const canonical = new Date(ms).toISOString();
    return text !== undefined && before(text, canonical) ? text : canonical;
  }
}
