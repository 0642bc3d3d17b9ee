import type { FakeClock } from "../../src/core/clock.js";
import { type ParsedRecord, serviceOf } from "../../src/core/log-record.js";
import { isoUtc } from "../../src/core/time.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";

let nextId = 1;

/**
 * A parsed record from a log line as the real decoder reads it, stamped with the fake clock's time (the
 * line's own timestamp is replaced), so detector tests move time by hand. Template fields are dummies:
 * these detectors do not read them unless a test sets them.
 */
export function lineAt(clock: FakeClock, line: string, overrides: Partial<ParsedRecord> = {}): ParsedRecord {
  const decoded = decodeLine(line, { observedAt: isoUtc(clock.now()) });
  const at = isoUtc(clock.now());
  return {
    ...decoded,
    timestamp: at,
    observedTimestamp: at,
    id: nextId++,
    stream: serviceOf(decoded),
    origin: serviceOf(decoded),
    templateId: "t",
    template: decoded.body,
    params: [],
    templateChange: "none",
    ...overrides,
  };
}

/** `count` records, one every `stepMs`, advancing the clock. */
export function series(
  clock: FakeClock,
  count: number,
  stepMs: number,
  line: (i: number) => string,
): ParsedRecord[] {
  const out: ParsedRecord[] = [];
  for (let i = 0; i < count; i++) {
    out.push(lineAt(clock, line(i)));
    clock.advance(stepMs);
  }
  return out;
}
