import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import { isoUtc } from "../../src/core/time.js";
import { cachedIntel } from "../../src/store/repos/alert-enrichment.js";
import { upsertIndicators } from "../../src/store/repos/intel-feeds.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { toIncomingAlert } from "../../src/triage/intake.js";
import { TriageService } from "../../src/triage/service.js";
import { sqliteTestStore, type TestStore } from "../helpers/stores.js";

let ts: TestStore | undefined;
afterEach(async () => {
  await ts?.cleanup();
  ts = undefined;
});

describe("threat_intel cache", () => {
  it("reuses a verdict until its TTL, then looks the IOC up again and refreshes the row in place", async () => {
    ts = await sqliteTestStore();
    const clock = new FakeClock("2026-11-21T10:00:00Z");
    const config = loadConfig({ env: { TRIAGE_INTEL_TTL_SECS: "3600" } });
    const triage = new TriageService(ts.store, config.triage, clock, createLogger("silent"));
    triage.start();
    const post = async (id: string) => {
      await triage.submit([toIncomingAlert({ alert_id: id, source_ip: "198.51.100.20" }, 0)]);
      await triage.idle();
      return (await cachedIntel(ts!.store.db, ["198.51.100.20"])).get("ip:198.51.100.20");
    };
    const first = await post("c-1");
    expect(first).toMatchObject({
      threat_level: "unknown",
      source: "local-feeds",
      first_seen: "2026-11-21T10:00:00.000Z",
    });

    // The feed learns about it, but the cached verdict stands until it expires…
    await upsertIndicators(
      ts.store.db,
      [
        {
          ioc: "198.51.100.20",
          ioc_type: "ip",
          feed: "ops",
          threat_level: "malicious",
          confidence: 0.9,
          description: null,
        },
      ],
      isoUtc(clock.now()),
    );
    clock.advance(30 * 60_000);
    expect(await post("c-2")).toMatchObject({
      threat_level: "unknown",
      last_seen: "2026-11-21T10:30:00.000Z",
    });

    // …and is refreshed after: same row (upsert on ioc, ioc_type), first_seen kept.
    clock.advance(31 * 60_000);
    expect(await post("c-3")).toMatchObject({
      threat_level: "malicious",
      source: "ops",
      first_seen: "2026-11-21T10:00:00.000Z",
      last_seen: "2026-11-21T11:01:00.000Z",
    });
    const rows = await ts.store.db.selectFrom("threat_intel").select("ioc").execute();
    expect(rows).toHaveLength(1);
    await triage.stop();
  });
});
