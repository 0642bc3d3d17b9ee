import type { DialectName } from "./db.js";

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

/** better-sqlite3 binds no booleans; PostgreSQL's BOOLEAN takes them as they are. */
export function boolParam(dialect: DialectName, value: boolean): boolean | number {
  return dialect === "sqlite" ? (value ? 1 : 0) : value;
}
