import type { DestinationStream } from "pino";
import { terminalSafe, terminalSafeJson, terminalSafeLines } from "../core/terminal-safe.js";

/**
 * The console format for a person: one line per event, `time LEVEL message key=value…`. pino writes
 * one JSON object per line; this turns each into text before it reaches the terminal, in-process (no
 * worker thread, no pino-pretty dependency). Machines read JSON (LOG_FORMAT=json, or any non-terminal).
 * Messages and values may quote log data: their control characters are shown escaped (`\x1b`) before the
 * line's own colours are added, so a logged escape sequence cannot drive the terminal.
 */

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
const COLORS: Record<number, string> = { 10: "90", 20: "36", 30: "32", 40: "33", 50: "31", 60: "35" };
// pino's own fields: shown in the line's head, or not worth a person's attention (pid, hostname).
const HEAD = new Set(["level", "time", "msg", "pid", "hostname", "err"]);
// Fields that identify rather than describe: last, so the line reads "request method=GET url=…" first.
const TAIL = new Set(["reqId"]);
const MAX_VALUE = 120;

function paint(text: string, code: string, colors: boolean): string {
  return colors ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** A field's value as a person reads it: bare when it has no spaces, quoted otherwise, long ones cut. */
function show(value: unknown): string {
  const text =
    typeof value === "string" && /^[^\s"=]+$/.test(value)
      ? terminalSafe(value)
      : terminalSafeJson(JSON.stringify(value) ?? "null");
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function timeOf(value: unknown): string {
  const date = new Date(typeof value === "number" || typeof value === "string" ? value : Date.now());
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().slice(11, 23);
}

/** One pino JSON line as text; a line that is not JSON (should not happen) is passed on unchanged. */
export function prettyLine(json: string, colors: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    const text = terminalSafeLines(json);
    return text.endsWith("\n") ? text : `${text}\n`;
  }
  const level = typeof entry.level === "number" ? entry.level : 30;
  const label = (LEVELS[level] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key, value]) => !HEAD.has(key) && value !== undefined)
    .sort(([a], [b]) => Number(TAIL.has(a)) - Number(TAIL.has(b)))
    .map(([key, value]) => `${paint(`${key}=`, "2", colors)}${show(value)}`);
  // pino's err serializer gives {type, message, stack}; its message leads the fields.
  const err = entry.err as { message?: unknown; stack?: unknown } | string | undefined;
  const errText = typeof err === "object" && err !== null ? err.message : err;
  if (errText !== undefined) fields.unshift(`${paint("err=", "2", colors)}${show(errText)}`);
  const head = `${paint(`${timeOf(entry.time)}Z`, "2", colors)} ${paint(label, COLORS[level] ?? "0", colors)}`;
  const msg = typeof entry.msg === "string" ? terminalSafe(entry.msg) : "";
  const line = [head, msg, ...fields].filter(Boolean).join(" ");
  // An error's stack is the one thing worth more than one line: it says where.
  const stack =
    level >= 50 && typeof err === "object" && typeof err?.stack === "string"
      ? `\n${terminalSafeLines(err.stack).replace(/^/gm, "    ")}`
      : "";
  return `${line}${stack}\n`;
}

/** A pino destination that writes pretty lines to `target` (flushing passes through to it). */
export function prettyDestination(
  target: DestinationStream & { flush?(cb?: () => void): void },
  colors: boolean,
) {
  return {
    write(chunk: string): void {
      target.write(prettyLine(chunk.endsWith("\n") ? chunk.slice(0, -1) : chunk, colors));
    },
    flush(cb?: () => void): void {
      if (target.flush) target.flush(cb);
      else cb?.();
    },
  };
}
