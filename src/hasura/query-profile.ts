import type { Kysely } from "kysely";
import type { JsonValue } from "../core/json.js";
import { loadState, saveState } from "../store/repos/state.js";
import type { Database } from "../store/schema.js";

/** What a query hash's past requests looked like: who ran it and with which variables (learned, per hash). */
export interface QueryProfile {
  requests: number;
  roles: Record<string, number>;
  variables: Record<string, { seen: number; max: number | null }>;
}

const KEY = (queryHash: string) => `hasura:query-profile:${queryHash}`;

export function emptyProfile(): QueryProfile {
  return { requests: 0, roles: {}, variables: {} };
}

export async function loadProfile(db: Kysely<Database>, queryHash: string): Promise<QueryProfile> {
  const value = await loadState(db, KEY(queryHash));
  if (typeof value !== "object" || value === null || Array.isArray(value)) return emptyProfile();
  const v = value as { requests?: unknown; roles?: unknown; variables?: unknown };
  return {
    requests: typeof v.requests === "number" ? v.requests : 0,
    roles: (v.roles as QueryProfile["roles"]) ?? {},
    variables: (v.variables as QueryProfile["variables"]) ?? {},
  };
}

/** The profile after one more request by `role` with `variables`. */
export function observe(
  profile: QueryProfile,
  role: string | null,
  variables: Record<string, JsonValue> | null,
): QueryProfile {
  const next: QueryProfile = structuredClone(profile);
  next.requests += 1;
  if (role !== null) setOwn(next.roles, role, (ownValue(next.roles, role) ?? 0) + 1);
  for (const [name, value] of Object.entries(variables ?? {})) {
    const seen = ownValue(next.variables, name) ?? { seen: 0, max: null };
    seen.seen += 1;
    if (typeof value === "number") seen.max = seen.max === null ? value : Math.max(seen.max, value);
    setOwn(next.variables, name, seen);
  }
  return next;
}

/**
 * Role and variable names come from the request: `record[name]` would find Object.prototype under
 * `__proto__` (and `seen.seen += 1` then gave every object in the process a `seen`), or a function under
 * `constructor`. Only own entries are read, and `__proto__` is written as an ordinary own key.
 */
export function ownValue<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}

export async function saveProfile(
  db: Kysely<Database>,
  queryHash: string,
  profile: QueryProfile,
  now: string,
): Promise<void> {
  await saveState(db, KEY(queryHash), profile, now);
}
