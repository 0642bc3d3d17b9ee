import type { JsonObject, JsonValue } from "../../core/json.js";

/**
 * Sets a key on a plain object. `obj["__proto__"] = v` would replace the prototype instead of adding a
 * field, and input JSON may legitimately (or maliciously) carry that key.
 */
export function setField(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === "__proto__")
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Copies `from` into `into`; a key `into` already has is kept under `${prefix}.${key}` instead of lost. */
export function mergeFields(into: JsonObject, from: JsonObject, prefix: string): void {
  for (const key of Object.keys(from)) {
    const value = from[key]!;
    if (Object.hasOwn(into, key)) setField(into, `${prefix}.${key}`, value);
    else setField(into, key, value);
  }
}
