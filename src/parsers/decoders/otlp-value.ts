import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.js";
import { setField } from "./json-fields.js";

/**
 * OTLP/JSON wraps values as `AnyValue` (`{"stringValue": "x"}`, `{"intValue": "3"}`, …) and attribute
 * maps as `KeyValue` lists (`[{"key": "k", "value": {...}}]`). These helpers unwrap them so an OTLP log
 * record pasted as JSON decodes like any other JSON line.
 */

/** The plain value inside an OTLP `AnyValue`, or undefined when `v` is not one. */
export function unwrapAnyValue(v: JsonValue | undefined): JsonValue | undefined {
  if (!isJsonObject(v)) return undefined;
  if (typeof v.stringValue === "string") return v.stringValue;
  if (typeof v.boolValue === "boolean") return v.boolValue;
  if (typeof v.doubleValue === "number") return v.doubleValue;
  if (v.intValue !== undefined) {
    // int64 arrives as a string; keep it a string when a JS number would lose digits.
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if (typeof v.bytesValue === "string") return v.bytesValue;
  if (isJsonObject(v.arrayValue)) {
    const values = Array.isArray(v.arrayValue.values) ? v.arrayValue.values : [];
    return values.map((x) => unwrapAnyValue(x) ?? null);
  }
  if (isJsonObject(v.kvlistValue)) {
    return keyValueListToObject(v.kvlistValue.values) ?? {};
  }
  return undefined;
}

/** `[{key, value: AnyValue}]` → plain object; null when `list` is not such a list. */
export function keyValueListToObject(list: JsonValue | undefined): JsonObject | null {
  if (!Array.isArray(list)) return null;
  const out: JsonObject = {};
  for (const item of list) {
    if (!isJsonObject(item) || typeof item.key !== "string") return null;
    // setField: an attribute named `__proto__` is a field like any other, not the object's prototype.
    setField(out, item.key, unwrapAnyValue(item.value) ?? item.value ?? null);
  }
  return out;
}
