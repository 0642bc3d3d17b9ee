import type { SegmentRecord } from "./segment-record.js";

/**
 * Records as one text and two number arrays, to hand a segment's records to another thread
 * (`postMessage`) without cloning one object per record: structured cloning a record object cost more
 * than building its columns (docs/architecture.md, "Records must not cross threads as objects"). The
 * record's strings are joined into one text (the receiver cuts them out again by length), so cloning is
 * one copy of the characters and of two typed arrays; a list of the strings themselves cloned at several
 * times that cost on the sending thread. The characters cross as JavaScript keeps them (no UTF-8 round
 * trip, which would merge distinct lone surrogates), so the segment built from the unpacked records is
 * byte for byte the one built from the records.
 *
 * Per record: a mask of the repeating fields that changed since the previous record; the time, the
 * message and the attributes; then the changed fields in `REPEATING` order. A batch's records mostly
 * share their observed time, resource, stream and template runs, so a record is about three strings.
 * Strings go into the text with their length in `lengths` (-1 for null); the mask and a changed severity
 * number go into `numbers`.
 */
export interface PackedRecords {
  count: number;
  text: string;
  lengths: Int32Array;
  numbers: Float64Array;
}

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
const NULL_LENGTH = -1;

function emptyRecord(): SegmentRecord {
  return {
    timestamp: "",
    observedAt: "",
    service: "",
    host: null,
    level: null,
    severityNumber: 0,
    message: "",
    attributes: "",
    resource: "",
    stream: "",
    templateId: null,
    template: null,
  };
}

/** Packs records one at a time (`add` keeps nothing of the object it is given); `take` empties it. */
export class SegmentRecordPacker {
  #strings: string[] = [];
  #lengths: number[] = [];
  #numbers: number[] = [];
  #count = 0;
  /** The previous record's repeating fields; none before the first record. */
  readonly #previous = emptyRecord();
  #first = true;

  get count(): number {
    return this.#count;
  }

  #string(s: string | null): void {
    if (s === null) this.#lengths.push(NULL_LENGTH);
    else {
      this.#strings.push(s);
      this.#lengths.push(s.length);
    }
  }

  readonly add = (r: SegmentRecord): void => {
    const p = this.#previous;
    const first = this.#first;
    const maskAt = this.#numbers.length;
    this.#numbers.push(0);
    this.#string(r.timestamp);
    this.#string(r.message);
    this.#string(r.attributes);
    let mask = 0;
    if (first || r.observedAt !== p.observedAt) {
      mask |= 1;
      p.observedAt = r.observedAt;
      this.#string(r.observedAt);
    }
    if (first || r.service !== p.service) {
      mask |= 2;
      p.service = r.service;
      this.#string(r.service);
    }
    if (first || r.host !== p.host) {
      mask |= 4;
      p.host = r.host;
      this.#string(r.host);
    }
    if (first || r.level !== p.level) {
      mask |= 8;
      p.level = r.level;
      this.#string(r.level);
    }
    if (first || !Object.is(r.severityNumber, p.severityNumber)) {
      mask |= 16;
      p.severityNumber = r.severityNumber;
      this.#numbers.push(r.severityNumber);
    }
    if (first || r.resource !== p.resource) {
      mask |= 32;
      p.resource = r.resource;
      this.#string(r.resource);
    }
    if (first || r.stream !== p.stream) {
      mask |= 64;
      p.stream = r.stream;
      this.#string(r.stream);
    }
    if (first || r.templateId !== p.templateId) {
      mask |= 128;
      p.templateId = r.templateId;
      this.#string(r.templateId);
    }
    if (first || r.template !== p.template) {
      mask |= 256;
      p.template = r.template;
      this.#string(r.template);
    }
    this.#numbers[maskAt] = mask;
    this.#first = false;
    this.#count++;
  };

  /** The records packed since the last `take`; the next record still compares with the last one. */
  take(): PackedRecords {
    const out: PackedRecords = {
      count: this.#count,
      text: this.#strings.join(""),
      lengths: Int32Array.from(this.#lengths),
      numbers: Float64Array.from(this.#numbers),
    };
    this.#strings = [];
    this.#lengths = [];
    this.#numbers = [];
    this.#count = 0;
    return out;
  }
}

/** Unpacks what one `SegmentRecordPacker` packed, its `take`s in order. */
export class SegmentRecordUnpacker {
  readonly #record = emptyRecord();
  #first = true;

  /** Hands `add` each record in order: one object, refilled for every record (as `FilledSegment.add` takes). */
  unpack(packed: PackedRecords, add: (r: SegmentRecord) => void): void {
    const { text, lengths, numbers } = packed;
    const r = this.#record;
    let at = 0;
    let s = 0;
    let n = 0;
    const next = (): string | null => {
      const length = lengths[s++]!;
      if (length === NULL_LENGTH) return null;
      const value = text.slice(at, at + length);
      at += length;
      return value;
    };
    for (let i = 0; i < packed.count; i++) {
      const mask = numbers[n++]!;
      if (this.#first && mask !== EVERY_FIELD) throw new Error("packed records start without every field");
      this.#first = false;
      r.timestamp = next()!;
      r.message = next()!;
      r.attributes = next()!;
      if (mask & 1) r.observedAt = next()!;
      if (mask & 2) r.service = next()!;
      if (mask & 4) r.host = next();
      if (mask & 8) r.level = next();
      if (mask & 16) r.severityNumber = numbers[n++]!;
      if (mask & 32) r.resource = next()!;
      if (mask & 64) r.stream = next()!;
      if (mask & 128) r.templateId = next();
      if (mask & 256) r.template = next();
      add(r);
    }
    if (at !== text.length || s !== lengths.length || n !== numbers.length)
      throw new Error("packed records have values left over");
  }
}
