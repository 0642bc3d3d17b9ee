/**
 * The contract's JSONB columns come back parsed from PostgreSQL and as text from SQLite; both are
 * written as JSON text (PostgreSQL casts the parameter).
 */
export function readJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value !== "string") return value as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}
