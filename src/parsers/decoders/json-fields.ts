import { type JsonObject, setField } from "../../core/json.js";

// Decoders set fields through this module; the function itself lives in core so `core` can use it too.
export { setField };

/** Copies `from` into `into`; a key `into` already has is kept under `${prefix}.${key}` instead of lost. */
export function mergeFields(into: JsonObject, from: JsonObject, prefix: string): void {
  for (const key of Object.keys(from)) {
    const value = from[key]!;
    if (Object.hasOwn(into, key)) setField(into, `${prefix}.${key}`, value);
    else setField(into, key, value);
  }
}
