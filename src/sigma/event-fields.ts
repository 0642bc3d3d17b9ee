/**
 * One event's field values as rules read them, each read (and lowered) at most once per event however many
 * rules name the field. Fields are numbered (`FieldTable`) when rules compile, so a rule's test reads an
 * array slot, not a map; one `EventFields` is reused from event to event, a generation number telling the
 * slots of this event from the previous one's without clearing them.
 */
import type { LogSourceMapping } from "./log-source-mapping.js";
import type { SigmaRecord } from "./record.js";
import type { RecordReader } from "./record-path.js";

/** Sigma field names → slots, shared by every rule of an engine. */
export class FieldTable {
  readonly #slots = new Map<string, number>();
  readonly names: string[] = [];
  slotOf(name: string): number {
    let slot = this.#slots.get(name);
    if (slot === undefined) {
      slot = this.names.length;
      this.names.push(name);
      this.#slots.set(name, slot);
    }
    return slot;
  }
}

/** What a compiled rule reads of the event in hand. */
export interface FieldAccess {
  /** The field's value: undefined when absent, else as the record holds it (string, number, array…). */
  raw(slot: number): unknown;
  /** The value as a string (numbers and booleans written out), lowered; undefined when not a scalar. */
  lowered(slot: number): string | undefined;
  /** The value as a string, case kept; undefined when not a scalar. */
  text(slot: number): string | undefined;
  /** The texts keyword searches read, lowered or as they are. */
  keywords(lowered: boolean): readonly string[];
}

export class EventFields implements FieldAccess {
  #record: SigmaRecord | null = null;
  #mapping: LogSourceMapping | null = null;
  /** Readers per slot for the mapping in hand (mappings keep their own). */
  readonly #readers = new Map<LogSourceMapping, (RecordReader | null)[]>();
  #raw: unknown[] = [];
  #lower: (string | undefined)[] = [];
  /**
   * Per slot, the event whose value `#raw` (and `#lower`) holds: a slot is read for this event when its
   * generation is the current one, so pointing at a new event clears nothing (a rule set names hundreds of
   * fields, an event holds a few dozen).
   */
  #rawGeneration = new Int32Array(0);
  #lowerGeneration = new Int32Array(0);
  #generation = 0;
  #keywords: string[] | null = null;
  #keywordsLower: string[] | null = null;

  constructor(readonly table: FieldTable) {}

  /** Points at a new event: every slot becomes unread. */
  reset(record: SigmaRecord, mapping: LogSourceMapping): void {
    this.#record = record;
    this.#mapping = mapping;
    const n = this.table.names.length;
    if (this.#raw.length !== n) {
      this.#raw = new Array(n);
      this.#lower = new Array(n);
      this.#rawGeneration = new Int32Array(n);
      this.#lowerGeneration = new Int32Array(n);
    }
    this.#generation++;
    this.#keywords = null;
    this.#keywordsLower = null;
  }

  #readersOf(mapping: LogSourceMapping): (RecordReader | null)[] {
    let readers = this.#readers.get(mapping);
    if (!readers || readers.length !== this.table.names.length) {
      readers = this.table.names.map((name) => mapping.reader(name));
      this.#readers.set(mapping, readers);
    }
    return readers;
  }

  raw(slot: number): unknown {
    // A slot numbered after this event's view was sized (a field first named after loading): read it directly.
    if (slot >= this.#raw.length) return this.#mapping!.reader(this.table.names[slot]!)?.(this.#record!);
    if (this.#rawGeneration[slot] === this.#generation) return this.#raw[slot];
    const reader = this.#readersOf(this.#mapping!)[slot];
    const value = reader ? reader(this.#record!) : undefined;
    this.#raw[slot] = value;
    this.#rawGeneration[slot] = this.#generation;
    return value;
  }

  text(slot: number): string | undefined {
    return scalarText(this.raw(slot));
  }

  lowered(slot: number): string | undefined {
    if (slot >= this.#lower.length) return this.text(slot)?.toLowerCase();
    if (this.#lowerGeneration[slot] === this.#generation) return this.#lower[slot];
    const text = this.text(slot);
    const value = text === undefined ? undefined : text.toLowerCase();
    this.#lower[slot] = value;
    this.#lowerGeneration[slot] = this.#generation;
    return value;
  }

  keywords(lowered: boolean): readonly string[] {
    this.#keywords ??= this.#mapping!.keywordTexts(this.#record!);
    if (!lowered) return this.#keywords;
    this.#keywordsLower ??= this.#keywords.map((k) => k.toLowerCase());
    return this.#keywordsLower;
  }
}

export function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return undefined;
}
