import fc from "fast-check";

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/**
 * Texts in the shape of canonical ISO UTC (`2026-01-10T09:30:00.000Z`) with every field drawn past its
 * range too: month 0 and 13, day 31 of a 30-day month, hour 24, minute 60, second 60.
 */
export const canonicalShapedIsoTexts = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 25 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 61 }),
    fc.integer({ min: 0, max: 999 }),
  )
  .map(
    ([y, mo, d, h, mi, s, ms]) =>
      `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z`,
  );
