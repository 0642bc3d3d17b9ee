import type { SessionKey } from "./session-grouper.js";

/**
 * Reads the `--session-key` / `SEQUENCE_SESSION_KEY` text. `field:NAME` and `regex:PATTERN` say
 * which one it is; a bare value that looks like a field name (letters, digits, `_`, `.`, `-`) is a
 * field, anything else a regex, so `trace_id` and `blk_-?[0-9]+` both do what one expects.
 */
export function parseSessionKey(text: string): SessionKey {
  const value = text.trim();
  if (value === "") throw new Error("the session key is empty: give a field name or a regex");
  if (value.startsWith("field:")) return { field: value.slice("field:".length) };
  const pattern = value.startsWith("regex:") ? value.slice("regex:".length) : value;
  if (!value.startsWith("regex:") && /^[A-Za-z_][\w.-]*$/.test(value)) return { field: value };
  try {
    return { regex: new RegExp(pattern) };
  } catch (error) {
    throw new Error(`the session key '${pattern}' is not a valid regex: ${(error as Error).message}`);
  }
}

/** The key as text again (model key in the store, status line). */
export function sessionKeyText(key: SessionKey): string {
  return "field" in key
    ? `field:${key.field}`
    : `regex:${typeof key.regex === "string" ? key.regex : key.regex.source}`;
}
