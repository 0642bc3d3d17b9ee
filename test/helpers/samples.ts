import type { Anomaly } from "../../src/core/anomaly.js";
/** System 004's sample logs (contracts §5.2): two auth errors 20 s apart, then a web warning. */
export const SYSTEM_004_SAMPLE = [
  {
    timestamp: "2025-04-03T14:22:10.1234567+02:00",
    service: "auth",
    level: "ERROR",
    message: "invalid password",
    metadata: { ip: "10.0.0.12" },
  },
  {
    timestamp: "2025-04-03T14:22:30.0000000+02:00",
    service: "auth",
    level: "ERROR",
    message: "invalid password",
    metadata: { ip: "10.0.0.12" },
  },
  {
    timestamp: "2025-04-03T14:22:31Z",
    service: "web",
    level: "WARN",
    message: "slow request",
    metadata: { path: "/home" },
  },
];

/** The two auth errors alone: one incident for `auth` above the default THRESHOLD. */
export const AUTH_ERRORS = SYSTEM_004_SAMPLE.slice(0, 2);

/** System 000's WiFi anomaly (contracts §1.4) as a detector reports it; tests override what they vary. */
export function wifiAnomaly(overrides: Partial<Anomaly> = {}): Anomaly {
  return {
    detector: "wifi",
    type: "wifi_anomaly",
    timestamp: "2026-03-02T08:15:00.000Z",
    service: "wifi",
    key: "device-1",
    score: 0.97,
    severity: "high",
    description: "High WiFi disassociation events detected (12)",
    features: { log_count: 420, disassociation_events: 12 },
    explanation: { summary: "12 disassociations", observed: { count: 12 }, expected: { max: 3 } },
    evidence: [1, 2],
    ...overrides,
  };
}
