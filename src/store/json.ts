import type { JsonValue } from "../core/json.js";

/** JSON columns are plain JSON text on both dialects (operators read them with generic tools). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Parses a JSON column; a corrupt value becomes `fallback` instead of failing a whole listing. */
export function fromJsonText<T extends JsonValue>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === "") return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
