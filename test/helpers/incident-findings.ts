import type { Anomaly } from "../../src/core/anomaly.js";
import { type Severity, severityFromScore } from "../../src/core/severity.js";

export const ATTACKER = "203.0.113.66";
export const OTHER_ADDRESS = "198.51.100.9";

function finding(
  detector: string,
  at: number,
  key: string,
  score: number,
  features: Anomaly["features"],
  summary: string,
): Anomaly {
  const severity: Severity = severityFromScore(score);
  return {
    detector,
    type: detector,
    timestamp: new Date(at).toISOString(),
    service: "sshd",
    key,
    score,
    severity,
    description: summary,
    features,
    explanation: { summary, observed: {}, expected: {} },
    evidence: [],
  };
}

/**
 * Findings about two entities, as stored anomalies: an address that brute-forces alice and gets in
 * (brute force at `t0`, a success after failures 10 minutes later, a new source address a minute after
 * that: one incident over ip and user within the default 30 minutes), and three hours later another address's brute force on bob (an incident of
 * its own). Keys and features are the ones the real detectors give, so grouping reads them as it would.
 */
export function twoEntityFindings(t0: number): Anomaly[] {
  const minute = 60_000;
  return [
    finding(
      "brute_force",
      t0,
      `ip:${ATTACKER}`,
      0.9,
      { source_ip: ATTACKER, user: "alice", failures: 12 },
      `12 failed logins for alice from ${ATTACKER}`,
    ),
    finding(
      "success_after_failures",
      t0 + 10 * minute,
      "user:alice",
      0.8,
      { source_ip: ATTACKER, user: "alice" },
      `alice logged in from ${ATTACKER} after 12 failures`,
    ),
    finding(
      "new_source_ip",
      t0 + 11 * minute,
      "user:alice",
      0.5,
      { source_ip: ATTACKER, user: "alice" },
      `alice from a new address ${ATTACKER}`,
    ),
    finding(
      "brute_force",
      t0 + 180 * minute,
      `ip:${OTHER_ADDRESS}`,
      0.7,
      { source_ip: OTHER_ADDRESS, user: "bob", failures: 6 },
      `6 failed logins for bob from ${OTHER_ADDRESS}`,
    ),
  ];
}
