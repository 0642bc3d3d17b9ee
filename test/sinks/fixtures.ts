import type { DeliveryItem, SinkAnomaly } from "../../src/core/sink.js";
import type { StoredAnomaly } from "../../src/store/repos/anomalies.js";

let next = 1000;

export function storedAnomaly(overrides: Partial<StoredAnomaly> = {}): StoredAnomaly {
  const id = overrides.id ?? next++;
  return {
    id,
    detector: "error_burst",
    type: "error_burst",
    timestamp: "2026-02-01T09:30:00.000Z",
    service: "auth",
    key: "auth",
    score: 0.91,
    severity: "high",
    status: "open",
    description: "25 ERROR records from auth in 60 s",
    features: { errors: 25 },
    explanation: {
      summary: "25 ERROR records from auth in 60 s",
      observed: { errors: 25 },
      expected: { errors: 2 },
    },
    evidence: [1, 2, 3],
    templateId: null,
    deviceId: null,
    count: 1,
    lastSeen: "2026-02-01T09:30:00.000Z",
    createdAt: "2026-02-01T09:30:01.000Z",
    updatedAt: "2026-02-01T09:30:01.000Z",
    ...overrides,
  };
}

export function item(anomaly: SinkAnomaly, deliveryId = 1): DeliveryItem {
  return { deliveryId, attempt: 1, anomaly };
}
