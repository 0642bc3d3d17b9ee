import { type Logger, pino } from "pino";

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

/** Structured JSON logs on stderr (stdout stays free for CLI output such as `analyze --format json`). */
export function createLogger(level: string, destination: number = 2): Logger {
  return pino({ level, redact: redactOptions }, pino.destination({ fd: destination, sync: false }));
}

export type { Logger };
