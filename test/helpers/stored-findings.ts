import type { Kysely } from "kysely";
import type { Anomaly } from "../../src/core/anomaly.js";
import { type StoredAnomaly, storeAnomalies } from "../../src/store/repos/anomalies.js";
import type { Database } from "../../src/store/schema.js";

/** A finding as a detector raises it; `key` tells findings apart (the same key merges into one anomaly). */
export function finding(key: string, overrides: Partial<Anomaly> = {}): Anomaly {
  return {
    detector: "error_burst",
    type: "error_burst",
    timestamp: "2026-02-01T10:00:00.000Z",
    service: "auth",
    key,
    score: 0.9,
    severity: "high",
    description: `burst ${key}`,
    features: {},
    explanation: { summary: `burst ${key}`, observed: {}, expected: {} },
    evidence: [],
    ...overrides,
  };
}

/**
 * Stores findings in one transaction, as the pipeline does, and returns the anomalies written (a repeat of
 * an open anomaly's key comes back as that anomaly, merged).
 */
export async function storeFindings(db: Kysely<Database>, findings: Anomaly[]): Promise<StoredAnomaly[]> {
  const stored = await db
    .transaction()
    .execute((trx) => storeAnomalies(trx, findings, "2026-02-01T10:00:00.000Z"));
  return stored.map((s) => s.anomaly);
}
