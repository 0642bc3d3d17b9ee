/** Time arithmetic of the simulated week: days start at UTC midnight; people's hours are local. */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The first Monday 00:00 UTC this generator uses by default (a year later on, a whole number of weeks later). */
const ANCHOR = Date.UTC(2026, 10, 2);

/**
 * The default week: the anchor Monday moved on by whole 52-week steps to the latest one that has
 * ended at least a day ago. Syslog dates carry no year and are read as the most recent one that is
 * not in the future, so the week must lie in the past for its lines to be dated where the ground
 * truth says; whole weeks keep Monday a Monday.
 */
export function defaultWeekStart(now = Date.now()): number {
  let start = ANCHOR;
  while (start + 364 * DAY + 8 * DAY <= now) start += 364 * DAY;
  while (start + 8 * DAY > now) start -= 364 * DAY;
  return start;
}

/** UTC time of `hour` (local, may exceed 24) on day `day` for someone at `utcOffsetHours`. */
export function localToUtc(weekStart: number, day: number, hour: number, utcOffsetHours: number): number {
  return weekStart + day * DAY + (hour - utcOffsetHours) * HOUR;
}
