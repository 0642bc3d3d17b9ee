import { z } from "zod";
import { isoUtc, parseIsoTimestamp } from "../core/time.js";

/** Shared response/request pieces; the same schemas validate input and feed /openapi.json. */
export const errorSchema = z
  .object({
    error: z.string().describe("Short code, or the seed's literal such as `Unauthorized`"),
    message: z.string().describe("Human-readable explanation"),
    details: z.array(z.unknown()).optional(),
    detail: z.unknown().optional().describe("FastAPI-style detail (system 002 routes only)"),
  })
  .describe("Error");

export const jsonObjectSchema = z.record(z.string(), z.unknown());

/** A base-10, non-negative integer in a query string (contracts §1.4: anything else is a 400). */
export const queryInt = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a non-negative base-10 integer`)
    .transform((s) => Number(s))
    .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER));

/**
 * The largest row id: ids are PostgreSQL `serial` (int4). A bigger one cannot name a row, and PostgreSQL
 * refuses it in a query ("out of range for type integer"), which was a 500.
 */
export const MAX_ROW_ID = 2_147_483_647;

/** A row id in a JSON body (`{"ids": [42]}`). */
export const rowId = z.number().int().positive().max(MAX_ROW_ID);

/** A row id in a path (`/api/v1/anomalies/42`). */
export const pathId = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, "id must be a positive base-10 integer")
  .transform((s) => Number(s))
  .pipe(z.number().max(MAX_ROW_ID, `id must be at most ${MAX_ROW_ID}`));

/**
 * `limit` for listings: a non-negative base-10 integer (anything else is a 400), clamped to `max` so
 * one request cannot ask the server to build an unbounded response. Values too long to be a number
 * are clamped too rather than refused: they only ever mean "as many as you will give me".
 */
export const queryLimit = (max: number) =>
  z
    .string()
    .regex(/^\d+$/, "limit must be a non-negative base-10 integer")
    .transform((s) => (s.length > 15 ? max : Math.min(Number(s), max)));

/**
 * An ISO-8601 time in a query string, normalised to ISO UTC (`…Z`, the form stored timestamps take, so
 * text comparison orders them). Date.parse's lenient fallback would read a time into almost any text.
 */
export const queryTime = (what: string) =>
  z
    .string()
    .transform((s, ctx) => {
      const t = parseIsoTimestamp(s);
      if (t === null) {
        ctx.addIssue({ code: "custom", message: `not an ISO-8601 timestamp: ${s.slice(0, 40)}` });
        return z.NEVER;
      }
      return isoUtc(t);
    })
    .describe(what);
