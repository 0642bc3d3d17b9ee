/**
 * Data shown on a terminal, made harmless. A log line may carry escape sequences (ESC, BEL, CSI…) that
 * retitle the window, move the cursor to erase and rewrite lines, or write the clipboard (OSC 52) when
 * printed as they are. Text output (the CLI's tables and reports, the console log format) therefore shows
 * every control character of the data as a visible escape, as `less` and `journalctl` do.
 *
 * Escaped: C0 controls (0x00–0x1f) except tab, DEL (0x7f) and C1 controls (0x80–0x9f, which some
 * terminals obey as 8-bit ESC sequences), each as `\xHH`. A newline or carriage return inside one field
 * is escaped too, so a value cannot fake lines of its own. Backslashes are left as they are: the text is
 * for a person; the exact value is in the JSON output.
 */

// Tab (0x09) is the one control kept: it only moves the cursor right. Each pattern is tested first (no
// `g`): nearly every value has nothing to escape, and `replace` would copy it anyway.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const CONTROLS = new RegExp(CONTROL.source, "g");
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const CONTROLS_BUT_NEWLINE = new RegExp(CONTROL_BUT_NEWLINE.source, "g");

function hex(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/** One field value for text output: every control character but tab as `\xHH` (newlines too). */
export function terminalSafe(value: string): string {
  return CONTROL.test(value) ? value.replace(CONTROLS, hex) : value;
}

/** A block of text whose own line breaks are kept (an error message of several lines): as `terminalSafe`, `\n` kept. */
export function terminalSafeLines(text: string): string {
  return CONTROL_BUT_NEWLINE.test(text) ? text.replace(CONTROLS_BUT_NEWLINE, hex) : text;
}

// JSON.stringify escapes 0x00–0x1f itself; DEL and the C1 controls it writes as they are.
const JSON_RAW_CONTROL = /[\u007f-\u009f]/;
const JSON_RAW_CONTROLS = new RegExp(JSON_RAW_CONTROL.source, "g");

/**
 * `JSON.stringify`'s output made terminal-safe without changing what it means: the DEL and C1 characters
 * it leaves raw (only inside strings) become `\u00XX` escapes, so the parsed value is exactly the same.
 */
export function terminalSafeJson(json: string): string {
  return JSON_RAW_CONTROL.test(json)
    ? json.replace(JSON_RAW_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    : json;
}
