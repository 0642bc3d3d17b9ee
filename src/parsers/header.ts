/**
 * Splits the header (timestamp, host, level, pid, component) off a raw log line.
 * Placeholder: the template-mining work replaces this with the real, format-agnostic stripper.
 */
export interface LineHeader {
  /** ISO-8601 UTC with `Z`, when a timestamp was recognised. */
  timestamp: string | null;
  level: string | null;
  host: string | null;
  pid: number | null;
  component: string | null;
  /** What is left: the message body. */
  body: string;
}

export function splitHeader(line: string): LineHeader {
  return { timestamp: null, level: null, host: null, pid: null, component: null, body: line };
}
