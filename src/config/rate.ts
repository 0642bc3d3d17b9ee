import { z } from "zod";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "../core/time.js";

/** A request budget: `max` requests per `windowMs`. */
export interface Rate {
  max: number;
  windowMs: number;
  /** slowapi's wording, e.g. `100 per 1 minute` (contracts §3.4 quotes it in the 429 body). */
  label: string;
}

const UNITS: Record<string, number> = { second: 1_000, minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

/**
 * Parses slowapi's notation (`100/minute`, `10/second`, `5000 per hour`); `off` (or `0`) disables the
 * limit and gives null.
 */
export function parseRate(text: string): Rate | null {
  const s = text.trim().toLowerCase();
  if (s === "off" || s === "0" || s === "none") return null;
  const m = /^(\d+)\s*(?:\/|per)\s*(?:1\s*)?(second|minute|hour|day)s?$/.exec(s);
  if (!m) throw new Error(`expected N/second|minute|hour|day or off, got "${text}"`);
  const max = Number(m[1]);
  const unit = m[2]!;
  if (max <= 0) return null;
  return { max, windowMs: UNITS[unit]!, label: `${max} per 1 ${unit}` };
}

/** A rate in config: validated at load, so a typo stops the start with a message naming the key. */
export const rateSchema = z.string().transform((value, ctx) => {
  try {
    return parseRate(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});
