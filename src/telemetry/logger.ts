import { type Logger, pino } from "pino";

/** Paths pino blanks out wherever they appear, so no credential reaches a log line. */
const REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["hasura-m-auth"]',
  "headers.authorization",
  "*.password",
  "*.token",
  "*.apiToken",
  "*.healthToken",
];

/** Structured JSON logs on stderr (stdout stays free for CLI output such as `analyze --format json`). */
export function createLogger(level: string, destination: number = 2): Logger {
  return pino(
    { level, redact: { paths: REDACT, censor: "[redacted]" } },
    pino.destination({ fd: destination, sync: false }),
  );
}

export type { Logger };
