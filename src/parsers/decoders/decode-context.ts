/** What a decoder needs besides the line itself. */
export interface DecodeContext {
  /** When Logwarden received the input, ISO-8601 UTC. Used as the timestamp when the input has none. */
  observedAt: string;
  /** `service.name` for records that do not name their service (e.g. the source's configured name). */
  defaultService?: string;
  /**
   * Reference clock in epoch ms, used to infer the year of RFC 3164 dates (`Jun 14 15:16:01`).
   * Defaults to `observedAt`, so replaying an old file with an old `observedAt` still infers the right year.
   */
  now?: number;
  /**
   * The caller gives each record its time itself (a canonical ISO time it was sent): decoders may leave
   * a plain line's own header time unconverted, and the record carries `observedAt` until replaced.
   */
  timeGiven?: boolean;
}

/** The reference clock of a context, in epoch ms. */
export function referenceNow(ctx: DecodeContext): number {
  if (ctx.now !== undefined) return ctx.now;
  const t = Date.parse(ctx.observedAt);
  return Number.isNaN(t) ? Date.now() : t;
}

/**
 * How far past the reference clock a time a line names may be and still be its record time: two days,
 * Splunk's `MAX_DAYS_HENCE` default (clock skew and time zones, never more). A line dated further ahead
 * (a version string or a random number read as a date: `9776-03-25`) would sort above every real line
 * for good, at the top of every newest-first page.
 */
export const MAX_TIME_AHEAD_MS = 2 * 86_400_000;
/** The earliest time taken as a record time: before it, an unset clock or a number read as a date. */
export const EARLIEST_RECORD_MS = Date.UTC(1990, 0, 1);

/**
 * Whether a time a line names (ISO-8601) can be its record time: from 1990 to two days past the context's
 * clock (`referenceNow`). Decoders stamp a line whose time fails with `observedAt`, as one that names none.
 */
export function plausibleRecordTime(iso: string, ctx: DecodeContext): boolean {
  const ms = Date.parse(iso);
  return ms >= EARLIEST_RECORD_MS && ms <= referenceNow(ctx) + MAX_TIME_AHEAD_MS;
}
