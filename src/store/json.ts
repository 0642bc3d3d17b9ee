import { jsonTextOf, type JsonValue } from "../core/json.js";

/**
 * JSON columns are plain JSON text on both dialects (operators read them with generic tools). An object
 * parsed from text on its way in is written as that text (`objectFromJsonText`).
 */
export function toJsonText(value: unknown): string {
  return jsonTextOf(value);
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
