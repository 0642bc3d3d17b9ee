import { readFileSync } from "node:fs";
import { isoUtc } from "../../src/core/time.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { ingestLogs } from "../../src/service/ingest.js";
import type { Runtime } from "../../src/service/runtime.js";
import { loghubFile } from "../helpers/loghub.js";

export const OPENSSH = loghubFile("OpenSSH");

/** System 002 records: `n` failed root logins from one IP, one a second (brute force at 10). */
export function bruteForceRecords(n = 12): Record<string, string>[] {
  const t0 = Date.parse("2026-02-01T09:30:00Z");
  return Array.from({ length: n }, (_, i) => ({
    timestamp: isoUtc(t0 + i * 1000),
    user: "root",
    source_ip: "10.1.2.3",
    event_type: "login",
    action: "failed",
    message: `Failed password for root from 10.1.2.3 port ${40000 + i} ssh2`,
  }));
}

/**
 * Real data in the store: loghub's OpenSSH 2k lines through the ingest pipeline (templates, anomalies),
 * then a burst of payment errors through system 004's ingest, which records an incident.
 */
export async function seedRealData(rt: Runtime): Promise<void> {
  const observedAt = isoUtc(rt.clock.now());
  const lines = readFileSync(OPENSSH, "utf8").split("\n").filter(Boolean);
  await rt.pipeline.submit(lines.map((line) => decodeLine(line, { observedAt })));
  const t0 = Date.parse("2026-02-01T10:00:00Z");
  await ingestLogs(
    rt,
    Array.from({ length: 40 }, (_, i) => ({
      timestamp: isoUtc(t0 + i * 500),
      service: "payments",
      level: "error",
      message: `charge ${1000 + i} failed: upstream timeout after 3000 ms`,
    })),
  );
}
