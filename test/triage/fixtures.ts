import { isoUtc } from "../../src/core/time.js";
import type { Store } from "../../src/store/db.js";
import { upsertIndicators } from "../../src/store/repos/intel-feeds.js";
import { upsertAssets, upsertUsers } from "../../src/store/repos/inventory.js";

/** The contract's verification plan (§2.5): its test IOCs, an asset and a user. */
export const SHA256 = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
export const VERIFICATION_ALERT = {
  alert_id: "test-001",
  source_ip: "45.33.32.156",
  file_hash: SHA256,
  asset_id: "srv-db-01",
  user_id: "u-1001",
  severity: "high",
  rule_name: "Malware download",
};

export async function seedInventory(store: Store): Promise<void> {
  const now = isoUtc(Date.now());
  await upsertAssets(
    store.db,
    [
      {
        asset_id: "srv-db-01",
        hostname: "db01",
        ip: "10.0.0.5",
        owner: "dba",
        criticality: "critical",
        environment: "prod",
        attributes: {},
      },
    ],
    now,
  );
  await upsertUsers(
    store,
    [
      {
        user_id: "u-1001",
        name: "alice",
        email: "alice@example.com",
        department: "it",
        privileged: true,
        attributes: {},
      },
    ],
    now,
  );
  await upsertIndicators(
    store.db,
    [
      {
        ioc: SHA256,
        ioc_type: "hash",
        feed: "test-feed",
        threat_level: "malicious",
        confidence: 0.9,
        description: "known bad",
      },
    ],
    now,
  );
}
