import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import { isoUtc } from "../../src/core/time.js";
import { cachedIntel } from "../../src/store/repos/alert-enrichment.js";
import { upsertIndicators } from "../../src/store/repos/intel-feeds.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { toIncomingAlert } from "../../src/triage/intake.js";
import { TriageService } from "../../src/triage/service.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { sqliteTestStore, type TestStore } from "../helpers/stores.js";

let ts: TestStore | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await ts?.cleanup();
  ts = undefined;
  await server?.close();
  server = undefined;
});

/** Posts one alert on the IP, waits for its triage, returns the cached verdict and the triage text. */
async function triageOf(triage: TriageService, id: string, ip: string) {
  await triage.submit([toIncomingAlert({ alert_id: id, source_ip: ip }, 0)]);
  await triage.idle();
  const db = ts!.store.db;
  const result = await db
    .selectFrom("triage_results")
    .select("analysis_result")
    .where("alert_id", "=", id)
    .executeTakeFirstOrThrow();
  return { verdict: (await cachedIntel(db, [ip])).get(`ip:${ip}`), text: result.analysis_result };
}

const IP = "198.51.100.20";
const opsFeed = [
  {
    ioc: IP,
    ioc_type: "ip" as const,
    feed: "ops",
    threat_level: "malicious" as const,
    confidence: 0.9,
    description: null,
  },
];

describe("threat_intel cache", () => {
  it("reuses a verdict until its TTL, then looks the IOC up again and refreshes the row in place", async () => {
    ts = await sqliteTestStore();
    const clock = new FakeClock("2026-11-21T10:00:00Z");
    const config = loadConfig({ env: { TRIAGE_INTEL_TTL_SECS: "3600" } });
    const triage = new TriageService(ts.store, config.triage, clock, createLogger("silent"));
    // An online reputation service whose opinion changes: nothing tells the cache, so the TTL bounds it.
    let reputation: "unknown" | "suspicious" = "unknown";
    triage.deps.intel.providers.push({
      name: "reputation",
      lookup: async (iocs) =>
        new Map(
          reputation === "unknown"
            ? []
            : iocs.map((i) => [`${i.ioc_type}:${i.ioc}`, { threat_level: reputation, details: {} }]),
        ),
    });
    triage.start();
    const first = await triageOf(triage, "c-1", IP);
    expect(first.verdict).toMatchObject({
      threat_level: "unknown",
      source: "local-feeds",
      first_seen: "2026-11-21T10:00:00.000Z",
    });

    // The provider changes its mind, but the cached verdict stands until it expires…
    reputation = "suspicious";
    clock.advance(30 * 60_000);
    expect((await triageOf(triage, "c-2", IP)).verdict).toMatchObject({
      threat_level: "unknown",
      last_seen: "2026-11-21T10:30:00.000Z",
    });

    // …and is refreshed after: same row (upsert on ioc, ioc_type), first_seen kept.
    clock.advance(31 * 60_000);
    expect((await triageOf(triage, "c-3", IP)).verdict).toMatchObject({
      threat_level: "suspicious",
      source: "reputation",
      first_seen: "2026-11-21T10:00:00.000Z",
      last_seen: "2026-11-21T11:01:00.000Z",
    });
    const rows = await ts.store.db.selectFrom("threat_intel").select("ioc").execute();
    expect(rows).toHaveLength(1);
    await triage.stop();
  });

  it("an intel import expires the cached verdicts of what it lists: the next alert sees the feed", async () => {
    ts = await sqliteTestStore();
    const clock = new FakeClock("2026-11-21T10:00:00Z");
    const config = loadConfig({ env: { TRIAGE_INTEL_TTL_SECS: "86400" } });
    const triage = new TriageService(ts.store, config.triage, clock, createLogger("silent"));
    triage.start();
    const other = "203.0.113.7";
    const before = await triageOf(triage, "i-1", IP);
    expect(before.verdict?.threat_level).toBe("unknown");
    expect(before.text).toContain("No IOC matched a feed");
    await triageOf(triage, "i-2", other);

    // `logwarden import intel` and POST /api/v1/intel/feeds/{feed} both store through upsertIndicators.
    clock.advance(60_000);
    await upsertIndicators(ts.store.db, opsFeed, isoUtc(clock.now()));
    clock.advance(60_000);
    const after = await triageOf(triage, "i-3", IP);
    expect(after.verdict).toMatchObject({
      threat_level: "malicious",
      source: "ops",
      first_seen: "2026-11-21T10:00:00.000Z",
    });
    expect(after.text).toContain(`Threat intel: ${IP} malicious (ops)`);
    expect(after.text).not.toContain("No IOC matched a feed");

    // An address the import does not list keeps its cached verdict until its TTL.
    const untouched = (await cachedIntel(ts.store.db, [other])).get(`ip:${other}`);
    expect(untouched?.expires_at).toBe("2026-11-22T10:00:00.000Z");
    await triage.stop();
  });

  it("POST /api/v1/intel/feeds/{feed} does the same for the next alert posted to the API", async () => {
    server = await startTestServer();
    const alert = async (id: string) => {
      const posted = await server!.app.inject({
        method: "POST",
        url: "/api/v1/alerts",
        headers: auth,
        payload: { alert_id: id, source_ip: IP, rule_name: "ssh login" },
      });
      expect(posted.statusCode, posted.body).toBe(202);
      await server!.rt.triage.idle();
      return (await server!.app.inject({ url: `/api/v1/alerts/${id}`, headers: auth })).json();
    };
    expect((await alert("a-1")).triage.analysis_result).toContain("No IOC matched a feed");
    const imported = await server.app.inject({
      method: "POST",
      url: "/api/v1/intel/feeds/ops",
      headers: auth,
      payload: { format: "list", content: `${IP}\n`, threat_level: "malicious" },
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const after = await alert("a-2");
    expect(after.triage.analysis_result).toContain(`Threat intel: ${IP} malicious (ops)`);
    expect(after.threat_intel).toMatchObject([
      { field: "source_ip", threat_level: "malicious", source: "ops" },
    ]);
  });
});
