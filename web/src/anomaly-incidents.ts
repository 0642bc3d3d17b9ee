/**
 * Pure helpers of the anomaly-incidents view (no DOM or React, so tests import them directly): how an
 * incident's entities, span and findings read.
 */

/** The grouping windows offered, in seconds; the API's default (30 min) is the preselected one. */
export const INCIDENT_WINDOWS = [
  { secs: 300, label: "5 minutes" },
  { secs: 1_800, label: "30 minutes" },
  { secs: 7_200, label: "2 hours" },
  { secs: 86_400, label: "1 day" },
] as const;
export const DEFAULT_INCIDENT_WINDOW_SECS = 1_800;

/** A `window` URL value as one of the offered windows, else the default. */
export function windowParam(value: string | null): number {
  const secs = Number(value);
  return INCIDENT_WINDOWS.some((w) => w.secs === secs) ? secs : DEFAULT_INCIDENT_WINDOW_SECS;
}

const ENTITY_KINDS: Record<string, string> = { user: "User", ip: "Address", host: "Host" };

/**
 * `user:alice` → {kind: "User", name: "alice"}. A finding that names no user, address or host is
 * grouped by its detector key (`svc:sshd`), shown whole as a "Key".
 */
export function describeEntity(entity: string): { kind: string; name: string } {
  const colon = entity.indexOf(":");
  const kind = colon > 0 ? ENTITY_KINDS[entity.slice(0, colon)] : undefined;
  return kind ? { kind, name: entity.slice(colon + 1) } : { kind: "Key", name: entity };
}

/** Seconds from an incident's first finding to its last (0 for a single moment). */
export function spanSeconds(start: string, end: string): number {
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}

/**
 * The ids an expanded incident lists: every one, oldest first (the order an attack reads in), or the
 * newest `max` when there are more, since one request fetches at most that many.
 */
export function shownFindingIds(ids: readonly number[], max: number): number[] {
  return ids.length > max ? ids.slice(ids.length - max) : [...ids];
}
