/**
 * `new Date(ms).toISOString()` for the times a segment stores as numbers, about five times faster: a
 * page of search results shows each record's time and observed time, and `toISOString` (about 1 µs a
 * call here) was the largest single cost of a warm newest page. The day's `YYYY-MM-DDT` is built by
 * `toISOString` itself and kept while rows stay on that day (a page's rows nearly always do); the time
 * of day comes from tables of two- and three-digit texts.
 */

const MS_PER_DAY = 86_400_000;
/** Times from year 0000 to 9999: `toISOString` writes them as `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
const FIRST_PLAIN_MS = -62_167_219_200_000;
const END_PLAIN_MS = 253_402_300_800_000;

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, "0"));

/** The day (days since the epoch) whose `YYYY-MM-DDT` is `dayPrefix`. */
let prefixDay = Number.NaN;
let dayPrefix = "";

/** Exactly `new Date(ms).toISOString()` (which it calls for anything but whole ms in years 0000–9999). */
export function isoText(ms: number): string {
  if (!(ms >= FIRST_PLAIN_MS && ms < END_PLAIN_MS) || !Number.isInteger(ms))
    return new Date(ms).toISOString();
  const day = Math.floor(ms / MS_PER_DAY);
  if (day !== prefixDay) {
    dayPrefix = new Date(day * MS_PER_DAY).toISOString().slice(0, 11);
    prefixDay = day;
  }
  let rest = ms - day * MS_PER_DAY;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${dayPrefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}Z`;
}
