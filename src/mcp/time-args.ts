import { z } from "zod";
import { isoUtc } from "../core/time.js";

/** An ISO-8601 time with any offset, turned into the store's fixed-width UTC text (text order = time order). */
export const isoTime = z.iso.datetime({ offset: true }).transform((v) => isoUtc(Date.parse(v)));

export const sinceArg = isoTime
  .optional()
  .describe('Inclusive start, ISO-8601 (e.g. "2026-02-01T00:00:00Z")');
export const untilArg = isoTime.optional().describe("Exclusive end, ISO-8601");
