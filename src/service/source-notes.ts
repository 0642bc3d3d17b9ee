import { DECODE_NOTE } from "../core/input-budget.js";
import type { LogRecord } from "../core/log-record.js";
import type { Runtime } from "./runtime.js";

/** Lines of one source that were past the input budget or failed a decoder, and were kept as text. */
export interface SourceNotes {
  /** Since the process started. */
  keptAsText: number;
  /** The last one's reason and when it was committed (epoch ms). */
  lastReason: string | null;
  lastAt: number | null;
}

/** A source that kept a line as text this recently reports `degraded` on /health. */
export const DEGRADED_FOR_MS = 15 * 60_000;

const notesByRuntime = new WeakMap<Runtime, Map<string, SourceNotes>>();

function notesOf(rt: Runtime): Map<string, SourceNotes> {
  let notes = notesByRuntime.get(rt);
  if (!notes) {
    notes = new Map();
    notesByRuntime.set(rt, notes);
  }
  return notes;
}

/**
 * Counts a committed submission's records that a decoder kept as text (`DECODE_NOTE`). Sources move past
 * such a line instead of stalling on it; this is where an operator sees that they did.
 */
export function noteCommitted(rt: Runtime, source: string, records: readonly LogRecord[]): void {
  let notes: SourceNotes | undefined;
  for (const record of records) {
    const reason = record.attributes[DECODE_NOTE];
    if (typeof reason !== "string") continue;
    notes ??= sourceNotesOf(rt, source);
    notes.keptAsText++;
    notes.lastReason = reason;
    notes.lastAt = rt.clock.now();
  }
}

function sourceNotesOf(rt: Runtime, source: string): SourceNotes {
  const all = notesOf(rt);
  let notes = all.get(source);
  if (!notes) {
    notes = { keptAsText: 0, lastReason: null, lastAt: null };
    all.set(source, notes);
  }
  return notes;
}

/** Every source that kept a line as text since start, by name. */
export function sourceNotes(rt: Runtime): ReadonlyMap<string, SourceNotes> {
  return notesOf(rt);
}

/** Whether a source's notes make it `degraded` now. */
export function isDegraded(notes: SourceNotes, now: number): boolean {
  return notes.lastAt !== null && now - notes.lastAt < DEGRADED_FOR_MS;
}
