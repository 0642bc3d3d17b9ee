import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entityWords, incidentSummary } from "../../src/triage/incidents.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { seedInventory, VERIFICATION_ALERT } from "../triage/fixtures.js";

/**
 * Alerts are named by what happened (issue 47 item 2): `title` from the rule, `entity` what it concerns,
 * `event_time` apart from the received `created_at`; incidents say so in a sentence. Their `service` keeps
 * the host, as system 004's `GET /incidents` always gave it; the dashboard shows the entity instead.
 */
let server: TestServer;
const WAZUH = {
  timestamp: "2026-11-21T10:00:00.000+0000",
  rule: { level: 10, description: "sshd: brute force trying to get access to the system.", id: "5712" },
  agent: { id: "001", name: "web01", ip: "10.0.0.8" },
  id: "1732183200.12345",
  data: { srcip: "45.33.32.156", dstuser: "root" },
};

beforeAll(async () => {
  server = await startTestServer({ TRIAGE_RETRY_BASE_MS: "1" });
  await seedInventory(server.rt.store);
  for (const body of [VERIFICATION_ALERT, WAZUH]) {
    const res = await server.app.inject({
      method: "POST",
      url: "/api/v1/alerts",
      headers: auth,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(202);
  }
  await server.rt.triage.idle();
});
afterAll(() => server.close());

describe("alerts named by what happened", () => {
  it("lists and shows each alert's title, entity and event time beside its received time", async () => {
    const list = await server.app.inject({ url: "/api/v1/alerts?limit=10", headers: auth });
    expect(list.statusCode, list.body).toBe(200);
    const items = list.json().items as Record<string, unknown>[];
    const generic = items.find((a) => a.alert_id === "test-001")!;
    expect(generic).toMatchObject({
      title: "Malware download",
      entity: "srv-db-01",
      event_time: null,
      anomaly_id: null,
    });
    const wazuh = items.find((a) => a.format === "wazuh")!;
    expect(wazuh).toMatchObject({
      title: "sshd: brute force trying to get access to the system.",
      entity: "web01",
      event_time: "2026-11-21T10:00:00.000Z",
    });
    expect(wazuh.created_at).not.toBe(wazuh.event_time);

    const detail = await server.app.inject({ url: `/api/v1/alerts/${wazuh.alert_id}`, headers: auth });
    expect(detail.json()).toMatchObject({
      title: wazuh.title,
      entity: "web01",
      event_time: wazuh.event_time,
    });
  });

  it("summarises incidents in a sentence, and keeps system 004's service column as it was (the host)", async () => {
    const res = await server.app.inject({ url: "/incidents", headers: auth });
    const incidents = res.json() as {
      summary: string;
      service: string | null;
      features: { entity?: string };
    }[];
    const triage = incidents.filter((i) => i.features.entity);
    expect(triage.length).toBeGreaterThan(0);
    for (const i of triage) {
      expect(i.summary).not.toMatch(/alert\(s\)|host:|ip:|user:/);
      // GET /incidents is system 004's: its clients always got a name here (contracts C6).
      expect(typeof i.service).toBe("string");
    }
    expect(incidentSummary("host:web-01", ["SSH brute force", "Port scan"], 3)).toBe(
      "SSH brute force, Port scan on host web-01 (3 alerts)",
    );
    expect(incidentSummary("ip:45.33.32.156", [], 1)).toBe("An alert on address 45.33.32.156");
    expect(entityWords("user:alice")).toBe("user alice");
  });
});
