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
