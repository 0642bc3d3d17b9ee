import { emptySegmentRecord, type SegmentRecord } from "./segment-record.js";

/**
 * Records as a flat list of their field values, to hand a segment's records to another thread
 * (`postMessage`) without cloning one object per record: structured cloning a record object cost more
 * than building its columns (docs/architecture.md, "Records must not cross threads as objects"), where a
 * list of strings and numbers clones as little more than the strings' characters. The strings cross as
 * they are (no UTF-8 round trip, which would merge distinct lone surrogates), so the segment built from
 * the unpacked records is byte for byte the one built from the records.
 *
 * Joining each take's strings into one text with a length array (one string to clone, typed arrays
 * moved) cost more on the sending thread than it saved: 0.92 against 0.75 µs a line of the event loop
 * for packing, posting and waiting, in a scratch A/B on the bench:ingest corpus (8 rounds, medians).
 *
 * Per record: a mask of the repeating fields that changed since the previous record, the time, the
 * message and the attributes, then the changed fields' values in `REPEATING` order. A batch's records
 * mostly share their observed time, resource, stream and template runs, so a record is about four values.
 */
export interface PackedRecords {
  count: number;
  values: PackedValue[];
}

export type PackedValue = string | number | null;

/** The fields sent only when they differ from the previous record's, by bit (1 << index). */
const REPEATING = [
  "observedAt",
  "service",
  "host",
  "level",
  "severityNumber",
  "resource",
  "stream",
  "templateId",
  "template",
] as const;
const EVERY_FIELD = (1 << REPEATING.length) - 1;

/** Packs records one at a time (`add` keeps nothing of the object it is given); `take` empties it. */
export class SegmentRecordPacker {
  #values: PackedValue[] = [];
  #count = 0;
  /** The previous record's repeating fields; none before the first record. */
  readonly #previous = emptySegmentRecord();
  #first = true;

  get count(): number {
    return this.#count;
  }

  readonly add = (r: SegmentRecord): void => {
    const p = this.#previous;
    const values = this.#values;
    const at = values.length;
    values.push(0, r.timestamp, r.message, r.attributes);
    let mask = 0;
    if (this.#first || r.observedAt !== p.observedAt) {
      mask |= 1;
      p.observedAt = r.observedAt;
      values.push(r.observedAt);
    }
    if (this.#first || r.service !== p.service) {
      mask |= 2;
      p.service = r.service;
      values.push(r.service);
    }
    if (this.#first || r.host !== p.host) {
      mask |= 4;
      p.host = r.host;
      values.push(r.host);
    }
    if (this.#first || r.level !== p.level) {
      mask |= 8;
      p.level = r.level;
      values.push(r.level);
    }
    if (this.#first || !Object.is(r.severityNumber, p.severityNumber)) {
      mask |= 16;
      p.severityNumber = r.severityNumber;
      values.push(r.severityNumber);
    }
    if (this.#first || r.resource !== p.resource) {
      mask |= 32;
      p.resource = r.resource;
      values.push(r.resource);
    }
    if (this.#first || r.stream !== p.stream) {
      mask |= 64;
      p.stream = r.stream;
      values.push(r.stream);
    }
    if (this.#first || r.templateId !== p.templateId) {
      mask |= 128;
      p.templateId = r.templateId;
      values.push(r.templateId);
    }
    if (this.#first || r.template !== p.template) {
      mask |= 256;
      p.template = r.template;
      values.push(r.template);
    }
    values[at] = mask;
    this.#first = false;
    this.#count++;
  };

  /** The records packed since the last `take`; the next record still compares with the last one. */
  take(): PackedRecords {
    const out = { count: this.#count, values: this.#values };
    this.#values = [];
    this.#count = 0;
    return out;
  }
}

/** Unpacks what one `SegmentRecordPacker` packed, its `take`s in order. */
export class SegmentRecordUnpacker {
  readonly #record = emptySegmentRecord();
  #first = true;

  /** Hands `add` each record in order: one object, refilled for every record (as `FilledSegment.add` takes). */
  unpack(packed: PackedRecords, add: (r: SegmentRecord) => void): void {
    const v = packed.values;
    const r = this.#record;
    let k = 0;
    for (let i = 0; i < packed.count; i++) {
      const mask = v[k++] as number;
      if (this.#first && mask !== EVERY_FIELD) throw new Error("packed records start without every field");
      this.#first = false;
      r.timestamp = v[k++] as string;
      r.message = v[k++] as string;
      r.attributes = v[k++] as string;
      if (mask & 1) r.observedAt = v[k++] as string;
      if (mask & 2) r.service = v[k++] as string;
      if (mask & 4) r.host = v[k++] as string | null;
      if (mask & 8) r.level = v[k++] as string | null;
      if (mask & 16) r.severityNumber = v[k++] as number;
      if (mask & 32) r.resource = v[k++] as string;
      if (mask & 64) r.stream = v[k++] as string;
      if (mask & 128) r.templateId = v[k++] as string | null;
      if (mask & 256) r.template = v[k++] as string | null;
      add(r);
    }
    if (k !== v.length) throw new Error("packed records have values left over");
  }
}
