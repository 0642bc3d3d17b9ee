import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { SHA256, seedInventory, VERIFICATION_ALERT } from "../triage/fixtures.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SURICATA = {
  timestamp: "2026-11-21T10:00:00.000000+0000",
  flow_id: 1234567,
  event_type: "alert",
  src_ip: "203.0.113.9",
  src_port: 51000,
  dest_ip: "10.0.0.5",
  dest_port: 80,
  proto: "TCP",
  alert: {
    action: "allowed",
    gid: 1,
    signature_id: 2024217,
    rev: 3,
    signature: "ET MALWARE Test",
    category: "A Network Trojan was detected",
    severity: 1,
  },
  http: { hostname: "evil.example.com", url: "/payload.exe" },
};

const WAZUH = {
  timestamp: "2026-11-21T10:00:00.000+0000",
  rule: {
    level: 10,
    description: "sshd: brute force trying to get access to the system.",
    id: "5712",
    groups: ["syslog", "sshd"],
  },
  agent: { id: "001", name: "web01", ip: "10.0.0.8" },
  id: "1732183200.12345",
  data: { srcip: "45.33.32.156", dstuser: "root" },
  full_log: "Failed password for root from 45.33.32.156 port 22 ssh2",
};

describe("POST /api/v1/alerts", () => {
  it("accepts the contract's alert, is idempotent, and shows context, intel and triage through the API", async () => {
    server = await startTestServer({ TRIAGE_RETRY_BASE_MS: "1" });
    await seedInventory(server.rt.store);
    const post = (body: unknown) =>
      server!.app.inject({ method: "POST", url: "/api/v1/alerts", headers: auth, payload: body as object });
    const first = await post(VERIFICATION_ALERT);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ accepted: 1, alert_ids: ["test-001"], duplicate_ids: [] });
    const again = await post(VERIFICATION_ALERT);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      accepted: 0,
      duplicate_ids: ["test-001"],
      alert: { alert_id: "test-001" },
    });
    const batch = await post([
      VERIFICATION_ALERT,
      { alert_id: "test-002", source_ip: "10.1.2.3" },
      { alert_id: "test-002" },
    ]);
    expect(batch.statusCode).toBe(202);
    expect(batch.json()).toEqual({
      accepted: 1,
      alert_ids: ["test-002"],
      duplicate_ids: ["test-002", "test-001"],
    });
    await server.rt.triage.idle();

    const detail = await server.app.inject({ url: "/api/v1/alerts/test-001", headers: auth });
    expect(detail.statusCode).toBe(200);
    const d = detail.json();
    expect(d.status).toBe("triaged");
    expect(d.context.map((c: { context_type: string }) => c.context_type).sort()).toEqual([
      "asset",
      "network",
      "user",
    ]);
    expect(
      d.threat_intel.map((i: { ioc_type: string; ioc: string }) => `${i.ioc_type}:${i.ioc}`).sort(),
    ).toEqual([`hash:${SHA256}`, "ip:45.33.32.156"]);
    expect(d.normalized.source.ip).toBe("45.33.32.156");
    expect(d.normalized.file.hash.sha256).toBe(SHA256);
    expect(d.triage).toMatchObject({
      risk_level: "critical",
      requires_human_review: true,
      analyzer: "rules",
    });
    expect(d.triage.inputs).toMatchObject({
      asset_criticality: "critical",
      user_privileged: true,
      source_network: "public",
    });
    expect(d.incident_id).toBeGreaterThan(0);

    const list = await server.app.inject({ url: "/api/v1/alerts?risk_level=critical", headers: auth });
    expect(list.json()).toMatchObject({
      total: 1,
      items: [{ alert_id: "test-001", risk_level: "critical" }],
    });

    const health = await server.app.inject({ url: "/health" });
    expect(health.json().stages).toEqual({
      "alert-ingestor": { status: "healthy" },
      "alert-normalizer": { status: "healthy" },
      "context-collector": { status: "healthy" },
      "threat-intel-aggregator": { status: "healthy" },
      "ai-triage-agent": { status: "healthy" },
    });

    const retry = await server.app.inject({
      method: "POST",
      url: "/api/v1/alerts/test-001/retry",
      headers: auth,
      payload: {},
    });
    expect(retry.statusCode).toBe(409);

    const verdict = await server.app.inject({
      method: "PATCH",
      url: "/api/v1/alerts/test-002",
      headers: auth,
      payload: { verdict: "false_positive", comment: "lab scanner" },
    });
    expect(verdict.statusCode).toBe(200);
    expect(verdict.json().verdict).toBe("false_positive");
  });

  it("detects Suricata EVE and Wazuh alerts and normalises them", async () => {
    server = await startTestServer();
    const res = await server.app.inject({
      method: "POST",
      url: "/api/v1/alerts",
      headers: auth,
      payload: [SURICATA, WAZUH],
    });
    expect(res.statusCode).toBe(202);
    const [sid, wid] = res.json().alert_ids as string[];
    expect(sid).toMatch(/^suricata-/);
    expect(wid).toBe("wazuh-1732183200.12345");
    await server.rt.triage.idle();
    const s = (await server.app.inject({ url: `/api/v1/alerts/${sid}`, headers: auth })).json();
    expect(s).toMatchObject({
      format: "suricata",
      severity: "high",
      source_ip: "203.0.113.9",
      status: "triaged",
    });
    expect(s.normalized).toMatchObject({
      rule: { name: "ET MALWARE Test", id: "2024217" },
      destination: { ip: "10.0.0.5", port: 80 },
      url: { full: "http://evil.example.com/payload.exe", domain: "evil.example.com" },
    });
    expect(s.threat_intel.map((i: { ioc_type: string }) => i.ioc_type).sort()).toEqual([
      "domain",
      "ip",
      "ip",
      "url",
    ]);
    const w = (await server.app.inject({ url: `/api/v1/alerts/${wid}`, headers: auth })).json();
    expect(w).toMatchObject({ format: "wazuh", severity: "high", user_id: "root", asset_id: "001" });
    expect(w.normalized.host.name).toBe("web01");
  });

  it("shows dead-letter alerts with their error and retries them through the API", async () => {
    server = await startTestServer({ TRIAGE_RETRY_BASE_MS: "1", TRIAGE_MAX_ATTEMPTS: "2" });
    let down = true;
    server.rt.triage.deps.intel.providers.push({
      name: "flaky",
      async lookup() {
        if (down) throw new Error("provider unreachable");
        return new Map();
      },
    });
    await server.app.inject({
      method: "POST",
      url: "/api/v1/alerts",
      headers: auth,
      payload: { alert_id: "dl-9", source_ip: "8.8.4.4" },
    });
    await server.rt.triage.idle();
    const dead = (
      await server.app.inject({ url: "/api/v1/alerts?status=dead_letter", headers: auth })
    ).json();
    expect(dead.items).toMatchObject([
      {
        alert_id: "dl-9",
        status: "dead_letter",
        stage: "threat-intel-aggregator",
        last_error: "provider unreachable",
        attempts: 2,
      },
    ]);
    down = false;
    const retry = await server.app.inject({
      method: "POST",
      url: "/api/v1/alerts/dl-9/retry",
      headers: auth,
      payload: {},
    });
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toMatchObject({ alert_id: "dl-9", status: "enriched" });
    await server.rt.triage.idle();
    const done = (await server.app.inject({ url: "/api/v1/alerts/dl-9", headers: auth })).json();
    expect(done).toMatchObject({ status: "triaged", last_error: null });
    expect(done.triage).not.toBeNull();
  });

  it("turns Logwarden's anomalies at or above the configured severity into alerts", async () => {
    server = await startTestServer({ TRIAGE_ANOMALY_MIN_SEVERITY: "high" });
    const base = {
      detector: "brute_force",
      type: "brute_force",
      timestamp: "2026-11-21T10:00:00.000Z",
      service: "sshd",
      score: 0.9,
      status: "open" as const,
      description: "12 failed logins from 45.33.32.156",
      explanation: null,
      evidence: [],
      templateId: null,
      deviceId: null,
      count: 1,
      lastSeen: "2026-11-21T10:00:00.000Z",
      createdAt: "2026-11-21T10:00:00.000Z",
      updatedAt: "2026-11-21T10:00:00.000Z",
    };
    server.rt.pipeline.onAnomalies?.([
      {
        ...base,
        id: 7,
        key: "45.33.32.156",
        severity: "high",
        features: { source_ip: "45.33.32.156", host: "web01" },
      },
      { ...base, id: 8, key: "svc", severity: "medium", features: {} },
    ]);
    await server.rt.triage.stop();
    const list = (await server.app.inject({ url: "/api/v1/alerts", headers: auth })).json();
    expect(list.items).toMatchObject([
      {
        alert_id: "anomaly-7",
        format: "anomaly",
        source_ip: "45.33.32.156",
        asset_id: "web01",
        rule_name: "brute_force",
        status: "triaged",
      },
    ]);
  });

  it("refuses invalid alerts with 400 and needs a credential", async () => {
    server = await startTestServer();
    const bad = await server.app.inject({
      method: "POST",
      url: "/api/v1/alerts",
      headers: auth,
      payload: [{ alert_id: "ok-1" }, { alert_id: "x", source_ip: "not-an-ip" }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: "validation_error" });
    expect(bad.json().message).toContain("item 1");
    const anon = await server.app.inject({
      method: "POST",
      url: "/api/v1/alerts",
      payload: { alert_id: "a" },
    });
    expect(anon.statusCode).toBe(401);
  });
});
