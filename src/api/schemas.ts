import { z } from "zod";

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
