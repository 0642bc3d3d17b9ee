/** ISO-8601 UTC with `Z` and millisecond precision. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Parses any ISO-8601-like timestamp (with or without zone, up to 9 fractional digits, space or `T`);
 * a value without a zone is taken as UTC. Returns epoch milliseconds or null.
 */
export function parseTimestamp(value: string): number | null {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
      value.trim(),
    );
  if (!m) {
    const fallback = Date.parse(value);
    return Number.isNaN(fallback) ? null : fallback;
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0);
    t -= sign * offset * 60_000;
  }
  return Number.isNaN(t) ? null : t;
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC without zone: the form system 000 and 003 emit (contracts §6.3 C12). */
export function isoLocalSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
