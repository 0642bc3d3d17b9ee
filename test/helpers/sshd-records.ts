import type { LogRecord } from "../../src/core/log-record.js";
import { isoUtc } from "../../src/core/time.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";

/** An sshd message at `at` as `POST /ingest` would decode it (a JSON record of service `sshd`). */
export function sshdRecord(at: number, message: string): LogRecord {
  return decodeLine(JSON.stringify({ timestamp: isoUtc(at), service: "sshd", message }), {
    observedAt: isoUtc(at),
  });
}

/** `n` failed logins for `user` from `ip`, one a second from `at`. */
export const failedLogins = (at: number, n: number, user: string, ip: string): LogRecord[] =>
  Array.from({ length: n }, (_, i) =>
    sshdRecord(at + i * 1000, `Failed password for ${user} from ${ip} port 5${i} ssh2`),
  );
