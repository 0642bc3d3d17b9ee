import { afterEach, describe, expect, it } from "vitest";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { SHA256 } from "../triage/fixtures.js";

let server: TestServer | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await server?.close();
  await receiver?.close();
  server = undefined;
  receiver = undefined;
});

const STIX = {
  type: "bundle",
  id: "bundle--1",
  objects: [
    {
      type: "indicator",
      spec_version: "2.1",
      id: "indicator--1",
      name: "Dropper",
      pattern: `[file:hashes.'SHA-256' = '${SHA256}'] OR [ipv4-addr:value = '45.33.32.156']`,
      pattern_type: "stix",
      indicator_types: ["malicious-activity"],
      confidence: 85,
      valid_from: "2026-01-01T00:00:00Z",
    },
  ],
};

describe("inventory, intel feeds, incidents and remediation routes", () => {
  it("imports a STIX feed and inventory, groups alerts into an incident, and runs remediation through the webhook", async () => {
    receiver = await startReceiver();
    server = await startTestServer({ TRIAGE_REMEDIATION_WEBHOOK_URL: `${receiver.url}/remediate` });
    const { app } = server;
    const call = (method: "GET" | "POST" | "PUT" | "PATCH", url: string, payload?: object) =>
      app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });

    const feed = await call("POST", "/api/v1/intel/feeds/stix-test", {
      format: "stix",
      content: JSON.stringify(STIX),
    });
    expect(feed.json()).toEqual({ feed: "stix-test", imported: 2 });
    expect((await call("GET", "/api/v1/intel/feeds")).json()).toMatchObject([
      { feed: "stix-test", indicators: 2 },
    ]);
    expect(
      (await call("PUT", "/api/v1/assets/srv-1", { hostname: "db01", criticality: "high" })).statusCode,
    ).toBe(200);
    expect((await call("PUT", "/api/v1/users/u-1", { name: "bob", privileged: true })).statusCode).toBe(200);
    expect((await call("GET", "/api/v1/assets")).json()).toMatchObject([
      { asset_id: "srv-1", criticality: "high" },
    ]);

    // Two alerts from one public address within the window: one incident.
    await call("POST", "/api/v1/alerts", [
      {
        alert_id: "a-1",
        source_ip: "45.33.32.156",
        file_hash: SHA256,
        asset_id: "srv-1",
        user_id: "u-1",
        severity: "high",
      },
      { alert_id: "a-2", source_ip: "45.33.32.156", asset_id: "srv-1", severity: "medium" },
    ]);
    await server.rt.triage.idle();
    const incidents = (await call("GET", "/api/v1/incidents")).json();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      entity: "ip:45.33.32.156",
      alert_id: "a-1",
      alert_ids: ["a-1", "a-2"],
      status: "open",
    });
    const id = incidents[0].id as number;
    // System 004's reader sees the same row with its six columns.
    const legacy = await app.inject({ url: "/incidents", headers: auth });
    expect(legacy.statusCode).toBe(200);

    const detail = (await call("GET", `/api/v1/incidents/${id}`)).json();
    expect(detail.alerts.map((a: { alert_id: string }) => a.alert_id).sort()).toEqual(["a-1", "a-2"]);
    const actions = detail.remediation_actions as {
      id: number;
      action: string;
      target: string;
      status: string;
    }[];
    const block = actions.find((a) => a.action === "block_ip");
    expect(block).toMatchObject({ target: "45.33.32.156", status: "proposed" });

    expect((await call("POST", `/api/v1/remediation-actions/${block!.id}/execute`, {})).statusCode).toBe(409);
    const approved = await call("POST", `/api/v1/remediation-actions/${block!.id}/approve`, {
      comment: "confirmed",
    });
    expect(approved.json()).toMatchObject({ status: "approved", approved_by: "API_TOKEN" });
    const executed = await call("POST", `/api/v1/remediation-actions/${block!.id}/execute`, {});
    expect(executed.json()).toMatchObject({ status: "executed", result: { http_status: 200 } });
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({
      action: "block_ip",
      target: "45.33.32.156",
      incident_id: id,
    });

    const other = actions.find((a) => a.action !== "block_ip")!;
    receiver.respond = () => ({ status: 500, body: "boom" });
    await call("POST", `/api/v1/remediation-actions/${other.id}/approve`, {});
    const failed = await call("POST", `/api/v1/remediation-actions/${other.id}/execute`, {});
    expect(failed.json()).toMatchObject({ status: "failed", result: { http_status: 500 } });

    const closed = await call("PATCH", `/api/v1/incidents/${id}`, { status: "resolved", comment: "blocked" });
    expect(closed.json().status).toBe("resolved");
    expect(closed.json().history.map((h: { action: string }) => h.action)).toEqual([
      "incident.created",
      "incident.status",
    ]);

    const audit = await server.rt.store.db
      .selectFrom("audit_logs")
      .select(["actor", "action", "target"])
      .where("target", "=", `remediation:${block!.id}`)
      .orderBy("id")
      .execute();
    expect(audit.map((a) => [a.actor, a.action])).toEqual([
      ["triage", "remediation.proposed"],
      ["API_TOKEN", "remediation.approved"],
      ["API_TOKEN", "remediation.executed"],
    ]);
  });
});
