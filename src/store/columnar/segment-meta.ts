import { ByteReader } from "./byte-reader.js";
import { ByteWriter } from "./byte-writer.js";
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
  /** Hosts present (records without a host are not listed). */
  hosts: string[];
  /** One entry per (template id, template text) pair present, in the index block's order. */
  templates: { templateId: string | null; count: number }[];
}

/**
 * The index block: the template texts the messages are encoded against, each wildcard's value dictionary
 * (or number ranges), and the messages kept verbatim. Search reads only this (and the metadata) to decide
 * whether a segment can hold a match.
 */
export interface SegmentIndex {
  templates: IndexedTemplate[];
  /** Messages stored as they are (no template, or one the message does not fit), with their template entry. */
  verbatim: { entry: number; message: string }[];
}

export interface IndexedTemplate {
  /** The template text at mining time, or null when the records had none. */
  template: string | null;
  /** One per wildcard (none without a template text). */
  slots: SlotStats[];
}

export function writeMeta(m: SegmentMeta): Uint8Array {
  const out = new ByteWriter(256);
  out.uint(m.count);
  out.uint(m.firstRef);
  out.string(m.minTimestamp);
  out.string(m.maxTimestamp);
  out.int(m.minSeverity);
  out.int(m.maxSeverity);
  writeStrings(out, m.services);
  writeStrings(out, m.hosts);
  out.uint(m.templates.length);
  for (const t of m.templates) {
    writeNullable(out, t.templateId);
    out.uint(t.count);
  }
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
  const hosts = readStrings(input);
  const n = input.uint();
  const templates: SegmentMeta["templates"] = [];
  for (let i = 0; i < n; i++) templates.push({ templateId: readNullable(input), count: input.uint() });
  return {
    count,
    firstRef,
    minTimestamp,
    maxTimestamp,
    minSeverity,
    maxSeverity,
    services,
    hosts,
    templates,
  };
}

export function writeIndex(ix: SegmentIndex): Uint8Array {
  const out = new ByteWriter(4096);
  out.uint(ix.templates.length);
  for (const t of ix.templates) {
    writeNullable(out, t.template);
    for (const s of t.slots) writeSlotStats(out, s);
  }
  out.uint(ix.verbatim.length);
  for (const v of ix.verbatim) {
    out.uint(v.entry);
    out.string(v.message);
  }
  return out.finish();
}

export function readIndex(bytes: Uint8Array): SegmentIndex {
  const input = new ByteReader(bytes);
  const n = input.uint();
  const templates: IndexedTemplate[] = [];
  for (let i = 0; i < n; i++) {
    const template = readNullable(input);
    const slots: SlotStats[] = [];
    const wildcards = template === null ? 0 : template.split("<*>").length - 1;
    for (let k = 0; k < wildcards; k++) slots.push(readSlotStats(input));
    templates.push({ template, slots });
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
