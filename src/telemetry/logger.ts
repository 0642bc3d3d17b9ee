import { isatty } from "node:tty";
import { type Logger, pino } from "pino";
import type { LOG_FORMATS } from "../config/schema.js";
import { prettyDestination } from "./pretty.js";

export type LogFormat = (typeof LOG_FORMATS)[number];

/** Paths pino blanks out wherever they appear, so no credential reaches a log line. */
const REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  "headers.cookie",
  "authorization",
  "*.authorization",
  "token",
  "password",
  'req.headers["hasura-m-auth"]',
  "headers.authorization",
  "*.password",
  "*.token",
  "*.apiToken",
  "*.healthToken",
];

/** pino's `redact` option, exported so tests can check a credential never reaches a line. */
export const redactOptions = { paths: REDACT, censor: "[redacted]" };

/**
 * `auto` is for people at a terminal (pretty) and for machines everywhere else (JSON): a file, a pipe,
 * a container's log collector. What counts is where the log lines go, not stdout.
 */
export function resolveLogFormat(format: LogFormat, isTerminal: boolean): "json" | "pretty" {
  if (format === "auto") return isTerminal ? "pretty" : "json";
  return format;
}

/**
 * A child logger bound to `stage` that is also called with `{stage}` would write the key twice (pino
 * does not merge bindings with the call's fields); the call's copy is dropped when it says the same.
 */
function dropBoundDuplicates(
  this: Logger,
  args: Parameters<Logger["info"]>,
  method: (...a: unknown[]) => void,
) {
  const [first, ...rest] = args as unknown[];
  if (first && typeof first === "object" && !(first instanceof Error) && !Array.isArray(first)) {
    const bound = this.bindings();
    const fields = Object.entries(first).filter(([key, value]) => !(key in bound && bound[key] === value));
    if (fields.length < Object.keys(first).length)
      return method.apply(this, [Object.fromEntries(fields), ...rest]);
  }
  return method.apply(this, args as unknown[]);
}

/**
 * Logs on stderr (stdout stays free for CLI output such as `analyze --format json`): JSON lines, or
 * pretty lines for a person (see resolveLogFormat). Callers that do not say get JSON.
 */
export function createLogger(level: string, destination: number = 2, format: LogFormat = "json"): Logger {
  const fd = pino.destination({ fd: destination, sync: false });
  const terminal = isatty(destination);
  const stream =
    resolveLogFormat(format, terminal) === "pretty"
      ? prettyDestination(fd, terminal && !process.env.NO_COLOR)
      : fd;
  return pino({ level, redact: redactOptions, hooks: { logMethod: dropBoundDuplicates } }, stream);
}

export type { Logger };
