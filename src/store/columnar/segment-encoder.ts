import { ByteWriter } from "./byte-writer.js";
import { derivedTemplateId } from "./derived-template-id.js";
import { writeDictionaryColumn } from "./dictionary-column.js";
import {
  type CompressionOptions,
  packBlocks,
  packBlocksAsync,
  type SegmentBlocks,
} from "./segment-blocks.js";
import {
  type IndexedTemplate,
  type SegmentIndex,
  type SegmentMeta,
  writeIndex,
  writeMeta,
} from "./segment-meta.js";
import type { SegmentRecord } from "./segment-record.js";
import { writeShapedColumn } from "./shaped-text-column.js";
import { type EncodedSlot, encodeSlot } from "./slot-column.js";
import { fillPieces, splitByPieces, templatePieces } from "./template-pieces.js";
import { writeTimeColumn } from "./time-column.js";

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

const NULL_KEY = "\u0000null";

/**
 * Encodes records whose references are `firstRef`, `firstRef + 1`, … into one segment (see
 * `segment-blocks.ts` for the container and docs in `index.ts` for the layout).
 */
export function encodeSegment(
  firstRef: number,
  records: readonly SegmentRecord[],
  options: CompressionOptions = {},
): Uint8Array {
  return packBlocks(segmentBlocks(firstRef, records), options);
}

/** `encodeSegment` with the compression on libuv's thread pool (`packBlocksAsync`): the same bytes. */
export function encodeSegmentAsync(
  firstRef: number,
  records: readonly SegmentRecord[],
  options: CompressionOptions = {},
): Promise<Uint8Array> {
  return packBlocksAsync(segmentBlocks(firstRef, records), options);
}

/** The raw (uncompressed) blocks of a segment of `records`. */
function segmentBlocks(firstRef: number, records: readonly SegmentRecord[]): SegmentBlocks {
  if (!Number.isSafeInteger(firstRef) || firstRef < 1)
    throw new RangeError("firstRef must be a positive integer");
  if (records.length === 0) throw new RangeError("a segment holds at least one record");
  const n = records.length;
  const entries: Entry[] = [];
  const entryByKey = new Map<string, number>();
  const rowEntry = new Uint32Array(n);
  const verbatimRows: number[] = [];
  const verbatim: SegmentIndex["verbatim"] = [];
  const services = new Map<string, number>();
  const serviceMaxSeverity: number[] = [];
  const hosts = new Map<string, number>();
  const streams = new Map<string, number>();
  let minTimestamp = records[0]!.timestamp;
  let maxTimestamp = minTimestamp;
  let minSeverity = Infinity;
  let maxSeverity = -Infinity;

  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    if (!Number.isSafeInteger(r.severityNumber)) throw new RangeError("severityNumber must be an integer");
    if (r.timestamp < minTimestamp) minTimestamp = r.timestamp;
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    if (r.severityNumber < minSeverity) minSeverity = r.severityNumber;
    if (r.severityNumber > maxSeverity) maxSeverity = r.severityNumber;
    let service = services.get(r.service);
    if (service === undefined) {
      service = services.size;
      services.set(r.service, service);
      serviceMaxSeverity.push(r.severityNumber);
    } else if (r.severityNumber > serviceMaxSeverity[service]!)
      serviceMaxSeverity[service] = r.severityNumber;
    if (r.host !== null && !hosts.has(r.host)) hosts.set(r.host, hosts.size + 1);
    if (!streams.has(r.stream)) streams.set(r.stream, streams.size);

    const key = `${r.templateId ?? NULL_KEY}\u0001${r.template ?? NULL_KEY}`;
    let e = entryByKey.get(key);
    if (e === undefined) {
      e = entries.length;
      entryByKey.set(key, e);
      const pieces = r.template === null ? null : templatePieces(r.template);
      entries.push({
        templateId: r.templateId,
        template: r.template,
        pieces,
        derivedFrom:
          r.templateId !== null &&
          r.template !== null &&
          derivedTemplateId(r.stream, r.template) === r.templateId
            ? streams.get(r.stream)!
            : -1,
        count: 0,
        slots: pieces ? pieces.slice(1).map(() => []) : [],
      });
    }
    rowEntry[i] = e;
    const entry = entries[e]!;
    entry.count++;
    const values = entry.pieces ? splitByPieces(entry.pieces, r.message) : null;
    // The split is exact by construction; checking the reconstruction keeps that a checked fact.
    if (values && fillPieces(entry.pieces!, values) === r.message) {
      for (let k = 0; k < values.length; k++) entry.slots[k]!.push(values[k]!);
    } else {
      verbatimRows.push(i);
      verbatim.push({ entry: e, message: r.message });
    }
  }

  const encodedSlots: EncodedSlot[][] = entries.map((e) => e.slots.map(encodeSlot));
  const indexed: IndexedTemplate[] = encodedSlots.map((slots) => ({ slots: slots.map((s) => s.stats) }));
  const meta: SegmentMeta = {
    count: n,
    firstRef,
    minTimestamp,
    maxTimestamp,
    minSeverity,
    maxSeverity,
    services: [...services.keys()],
    serviceMaxSeverity,
    hosts: [...hosts.keys()],
    streams: [...streams.keys()],
    templates: entries.map((e) => ({ templateId: e.templateId, template: e.template, count: e.count })),
  };

  const times = new ByteWriter(n * 3 + 64);
  writeTimeColumn(
    times,
    records.map((r) => r.timestamp),
  );
  for (let i = 0; i < n; i++) times.uint(rowEntry[i]!);

  const fields = new ByteWriter(n * 8 + 256);
  writeTimeColumn(
    fields,
    records.map((r) => r.observedAt),
  );
  for (const r of records) fields.uint(services.get(r.service)!);
  for (const r of records) fields.uint(r.host === null ? 0 : hosts.get(r.host)!);
  for (const r of records) fields.int(r.severityNumber);
  writeDictionaryColumn(
    fields,
    records.map((r) => r.level),
  );
  for (const r of records) fields.uint(streams.get(r.stream)!);
  writeShapedColumn(
    fields,
    records.map((r) => r.attributes),
  );
  writeDictionaryColumn(
    fields,
    records.map((r) => r.resource),
  );

  const vars = new ByteWriter(n * 4 + 256);
  vars.uint(verbatimRows.length);
  let prev = 0;
  for (const i of verbatimRows) {
    vars.uint(i - prev);
    prev = i;
  }
  for (const slots of encodedSlots) for (const s of slots) s.writeColumn(vars);

  return {
    meta: writeMeta(
      meta,
      entries.map((e) => e.derivedFrom),
    ),
    index: writeIndex({ templates: indexed, verbatim }),
    times: times.finish(),
    fields: fields.finish(),
    vars: vars.finish(),
  };
}
