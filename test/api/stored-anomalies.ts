// Anomalies stored straight into a test server, for test/api/anomaly-list.test.ts and anomaly.test.ts.
import type { Anomaly } from "../../src/core/anomaly.js";
import type { Severity } from "../../src/core/severity.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { auth, type TestServer } from "../helpers/runtime.js";

const SEV: Severity[] = ["low", "medium", "high", "critical"];

export function anomaly(i: number, over: Partial<Anomaly> = {}): Anomaly {
  return {
    detector: i % 2 ? "wifi" : "error_burst",
    type: i % 2 ? "wifi_anomaly" : "error_burst",
    // Pairs share a timestamp, so the id tie-break is exercised.
    timestamp: new Date(Date.UTC(2025, 2, 2, 8, 0, Math.floor(i / 2))).toISOString(),
    service: i % 3 ? "auth" : "web",
    key: `user-${i}`,
    score: 0.5 + (i % 5) / 10,
    severity: SEV[i % 4]!,
    description: `event ${i} from 10.0.0.${i}`,
    features: { i },
    explanation: { summary: `event ${i}`, observed: { i }, expected: {} },
    evidence: [],
    ...over,
  };
}

export async function seed(s: TestServer, n: number): Promise<void> {
  await storeAnomalies(
    s.rt.store.db,
    Array.from({ length: n }, (_, i) => anomaly(i)),
    "2025-03-02T09:00:00.000Z",
  );
}

export const get = (s: TestServer, url: string, headers: Record<string, string> = auth) =>
  s.app.inject({ url, headers });
