import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { failedLogins } from "../helpers/sshd-records.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const T0 = Date.parse("2026-03-01T10:00:00Z");
const LISTED = "203.0.113.66";
const UNLISTED = "198.51.100.9";

describe("findings from an address listed in threat intel", () => {
  it("are marked with the listing, raised to triage's threshold (audited) and triaged; others are left as they were", async () => {
    const clock = new FakeClock(T0);
    server = await startTestServer(
      { BRUTE_FORCE_THRESHOLD: "5", VOLUME_ENABLED: "false", TRIAGE_RETRY_BASE_MS: "1" },
      { clock },
    );
    const { rt, app } = server;
    const imported = await app.inject({
      method: "POST",
      url: "/api/v1/intel/feeds/blocklist",
      headers: auth,
      payload: { content: `${LISTED}\n`, format: "list", threat_level: "malicious" },
    });
    expect(imported.statusCode).toBe(200);

    // Six failures against a threshold of five: a medium brute force from each address.
    await rt.pipeline.submit(failedLogins(T0, 6, "alice", LISTED));
    await rt.pipeline.submit(failedLogins(T0 + 60_000, 6, "bob", UNLISTED));
    await rt.triage.idle();

    const list = await app.inject({ url: "/api/v1/anomalies?limit=50", headers: auth });
    const ids = (list.json() as { id: number }[]).map((a) => a.id);
    const findings = await Promise.all(
      ids.map(async (id) => (await app.inject({ url: `/api/v1/anomalies/${id}`, headers: auth })).json()),
    );
    const byKey = new Map(findings.map((f) => [f.key as string, f]));

    const listed = byKey.get(`ip:${LISTED}`);
    expect(listed).toMatchObject({
      detector: "brute_force",
      severity: "high",
      features: {
        threat_intel: { ioc: LISTED, threat_level: "malicious", feeds: ["blocklist"], field: "source_ip" },
      },
    });
    expect(listed.score).toBeGreaterThanOrEqual(0.85);
    expect(listed.description).toContain(`source ${LISTED} is listed in threat intel (blocklist: malicious)`);
    expect(listed.history).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: "anomaly.intel_raise",
          actor: "triage",
          details: expect.objectContaining({ from: "medium", to: "high" }),
        }),
      ]),
    );

    // The unlisted address's brute force is what the detector said: medium, unmarked, no alert.
    const unlisted = byKey.get(`ip:${UNLISTED}`);
    expect(unlisted).toMatchObject({ severity: "medium" });
    expect(unlisted.features.threat_intel).toBeUndefined();
    expect(unlisted.history).toEqual([]);

    // The raised finding became an alert, and its triage shows the listing.
    const alert = await app.inject({ url: `/api/v1/alerts/anomaly-${listed.id}`, headers: auth });
    expect(alert.statusCode).toBe(200);
    const a = alert.json();
    expect(a.status).toBe("triaged");
    expect(a.threat_intel).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ioc_type: "ip", ioc: LISTED, threat_level: "malicious" }),
      ]),
    );
    const none = await app.inject({ url: `/api/v1/alerts/anomaly-${unlisted.id}`, headers: auth });
    expect(none.statusCode).toBe(404);
  });
});
