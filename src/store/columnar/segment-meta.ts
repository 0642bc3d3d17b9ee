import { ByteReader } from "./byte-reader.js";
import { ByteWriter } from "./byte-writer.js";
import { derivedTemplateId } from "./derived-template-id.js";
import { readStrings, writeStrings } from "./dictionary-column.js";
import { readSlotStats, type SlotStats, writeSlotStats } from "./slot-column.js";

/**
 * The metadata block: what a reader needs to skip a segment or count its records without decoding a
 * column (count, references, time range, severities, services, hosts, templates present and their counts).
 */
export interface SegmentMeta {
  count: number;
  /** The first record's reference; record `i` has `firstRef + i`. */
  firstRef: number;
  /** Least and greatest record-time texts in code-unit order, as the `logs` table compares them. */
  minTimestamp: string;
  maxTimestamp: string;
  minSeverity: number;
  maxSeverity: number;
  services: string[];
  /** The greatest severity number of each service's records (same order as `services`). */
  serviceMaxSeverity: number[];
  /** Hosts present (records without a host are not listed). */
  hosts: string[];
  /** Streams present. */
  streams: string[];
  /**
   * One entry per (template id, template text) pair present: the text the messages are encoded against
   * (the template at mining time; null when the records had none) and how many records have it.
   */
  templates: { templateId: string | null; template: string | null; count: number }[];
}

/**
 * The index block: per template entry (in the metadata's order), each wildcard's value dictionary
 * (or number ranges), and the messages kept verbatim. Search reads only this (and the metadata) to decide
 * whether a segment can hold a match.
 */
export interface SegmentIndex {
  templates: IndexedTemplate[];
  /** Messages stored as they are (no template, or one the message does not fit), with their template entry. */
  verbatim: { entry: number; message: string }[];
}

export interface IndexedTemplate {
  /** One per wildcard of the entry's template text (none without a text). */
  slots: SlotStats[];
}

const ID_NULL = 0;
const ID_LITERAL = 1;
/** The id is `derivedTemplateId(streams[k], template text)`: k follows. */
const ID_DERIVED = 2;

/**
 * `derivedFrom[e]` is the index in `m.streams` whose `derivedTemplateId` with entry e's template text is
 * entry e's id, or -1: the id is then written out.
 */
export function writeMeta(m: SegmentMeta, derivedFrom: readonly number[] = []): Uint8Array {
  const out = new ByteWriter(256);
  out.uint(m.count);
  out.uint(m.firstRef);
  out.string(m.minTimestamp);
  out.string(m.maxTimestamp);
  out.int(m.minSeverity);
  out.int(m.maxSeverity);
  writeStrings(out, m.services);
  for (const sev of m.serviceMaxSeverity) out.int(sev);
  writeStrings(out, m.hosts);
  writeStrings(out, m.streams);
  out.uint(m.templates.length);
  m.templates.forEach((t, e) => {
    const stream = derivedFrom[e];
    if (t.templateId === null) out.uint(ID_NULL);
    else if (stream !== undefined && stream >= 0) {
      out.uint(ID_DERIVED);
      out.uint(stream);
    } else {
      out.uint(ID_LITERAL);
      out.string(t.templateId);
    }
    writeNullable(out, t.template);
    out.uint(t.count);
  });
  return out.finish();
}

export function readMeta(bytes: Uint8Array): SegmentMeta {
  const input = new ByteReader(bytes);
  const count = input.uint();
  const firstRef = input.uint();
  const minTimestamp = input.string();
  const maxTimestamp = input.string();
  const minSeverity = input.int();
  const maxSeverity = input.int();
  const services = readStrings(input);
  const serviceMaxSeverity = services.map(() => input.int());
  const hosts = readStrings(input);
  const streams = readStrings(input);
  const n = input.uint();
  const templates: SegmentMeta["templates"] = [];
  for (let e = 0; e < n; e++) {
    const kind = input.uint();
    let templateId: string | null = null;
    let stream: string | undefined;
    if (kind === ID_LITERAL) templateId = input.string();
    else if (kind === ID_DERIVED) {
      stream = streams[input.uint()];
      if (stream === undefined) throw new Error("derived template id without its stream");
    } else if (kind !== ID_NULL) throw new Error(`unknown template id kind ${kind}`);
    const template = readNullable(input);
    if (stream !== undefined) {
      if (template === null) throw new Error("derived template id without a template text");
      templateId = derivedTemplateId(stream, template);
    }
    templates.push({ templateId, template, count: input.uint() });
  }
  return {
    streams,
    count,
    firstRef,
    minTimestamp,
    maxTimestamp,
    minSeverity,
    maxSeverity,
    services,
    serviceMaxSeverity,
    hosts,
    templates,
  };
}

export function writeIndex(ix: SegmentIndex): Uint8Array {
  const out = new ByteWriter(4096);
  out.uint(ix.templates.length);
  for (const t of ix.templates) for (const s of t.slots) writeSlotStats(out, s);
  out.uint(ix.verbatim.length);
  for (const v of ix.verbatim) {
    out.uint(v.entry);
    out.string(v.message);
  }
  return out.finish();
}

/** Reads the index block of the segment whose metadata is `meta` (the slots follow its template texts). */
export function readIndex(bytes: Uint8Array, meta: SegmentMeta): SegmentIndex {
  const input = new ByteReader(bytes);
  const n = input.uint();
  if (n !== meta.templates.length) throw new Error("index and metadata disagree on the template entries");
  const templates: IndexedTemplate[] = [];
  for (let i = 0; i < n; i++) {
    const template = meta.templates[i]!.template;
    const slots: SlotStats[] = [];
    const wildcards = template === null ? 0 : template.split("<*>").length - 1;
    for (let k = 0; k < wildcards; k++) slots.push(readSlotStats(input));
    templates.push({ slots });
  }
  const m = input.uint();
  const verbatim: SegmentIndex["verbatim"] = [];
  for (let i = 0; i < m; i++) verbatim.push({ entry: input.uint(), message: input.string() });
  return { templates, verbatim };
}

function writeNullable(out: ByteWriter, s: string | null): void {
  if (s === null) out.byte(0);
  else {
    out.byte(1);
    out.string(s);
  }
}

function readNullable(input: ByteReader): string | null {
  return input.byte() === 0 ? null : input.string();
}
