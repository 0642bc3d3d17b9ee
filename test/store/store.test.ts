import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Anomaly } from "../../src/core/anomaly.js";
import { listAnomalies, storeAnomalies } from "../../src/store/repos/anomalies.js";
import { recordAudit } from "../../src/store/repos/audit.js";
import { insertIncident, listIncidents } from "../../src/store/repos/incidents.js";
import { getLogs } from "../../src/store/repos/log-search.js";
import { countLogs, insertLogs } from "../../src/store/repos/logs.js";
import { latestModel, saveModel } from "../../src/store/repos/models.js";
import { loadState, saveState } from "../../src/store/repos/state.js";
import { listTemplates, saveTemplates } from "../../src/store/repos/templates.js";
import { wifiAnomaly } from "../helpers/samples.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

const NOW = "2026-03-02T08:15:00.000Z";

const anomaly = (overrides: Partial<Anomaly> = {}) => wifiAnomaly({ timestamp: NOW, ...overrides });

describe.each(DIALECTS)("store on $name", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) return;
    t = await open();
  });
  afterAll(async () => {
    await t?.cleanup();
  });
  const db = () => t!.store.db;

  it("migrates idempotently", async (ctx) => {
    if (!t) return ctx.skip();
    expect(await t.store.migrate()).toEqual([]);
    await t.store.ping();
  });

  it("inserts logs in batches and returns ids in order", async (ctx) => {
    if (!t) return ctx.skip();
    const records = Array.from({ length: 2_500 }, (_, i) => ({
      timestamp: new Date(Date.parse(NOW) + i * 1000).toISOString(),
      observedTimestamp: NOW,
      severityText: i % 10 === 0 ? "ERROR" : "INFO",
      severityNumber: i % 10 === 0 ? 17 : 9,
      body: `line ${i} with 'quotes' and "double" ; drop table logs;`,
      attributes: { ip: "10.0.0.12", n: i },
      resource: { "service.name": "auth" },
      stream: "auth",
      templateId: "abc",
      params: [{ value: String(i), type: "num" }],
    }));
    const ids = await t.store.transaction((tx) => insertLogs(tx, records, NOW));
    expect(ids).toHaveLength(2_500);
    expect(ids[1]! - ids[0]!).toBe(1);
    expect(await countLogs(db())).toBe(2_500);
    const [first] = await getLogs(t.store, [ids[0]!]);
    expect(first?.message).toBe(records[0]!.body);
    expect(first!.attributes).toEqual({ ip: "10.0.0.12", n: 0 });
    expect(first?.service).toBe("auth");
  });

  it("merges repeats of one detector and key into one open anomaly", async (ctx) => {
    if (!t) return ctx.skip();
    const [a] = await storeAnomalies(db(), [anomaly()], NOW);
    const [b] = await storeAnomalies(db(), [anomaly({ score: 0.99, evidence: [3] })], NOW);
    expect(a?.created).toBe(true);
    expect(b?.created).toBe(false);
    expect(b?.anomaly.id).toBe(a?.anomaly.id);
    expect(b?.anomaly.count).toBe(2);
    expect(b?.anomaly.score).toBe(0.99);
    expect(b?.anomaly.evidence).toEqual([1, 2, 3]);
    const [c] = await storeAnomalies(
      db(),
      [anomaly({ key: "device-2", timestamp: "2026-03-02T09:00:00.000Z" })],
      NOW,
    );
    expect(c?.created).toBe(true);
  });

  it("lists anomalies newest first, ties by higher id, filtered by agent", async (ctx) => {
    if (!t) return ctx.skip();
    await storeAnomalies(db(), [anomaly({ detector: "error_burst", key: "svc", timestamp: NOW })], NOW);
    const all = await listAnomalies(db(), { limit: 100, offset: 0 });
    expect(all.map((a) => a.timestamp)).toEqual([...all.map((a) => a.timestamp)].sort().reverse());
    expect(all[0]?.key).toBe("device-2");
    const tied = all.filter((a) => a.timestamp === NOW);
    expect(tied[0]!.id).toBeGreaterThan(tied[1]!.id);
    const wifi = await listAnomalies(db(), { limit: 100, offset: 0, agentName: "wifi" });
    expect(wifi.every((a) => a.detector === "wifi")).toBe(true);
    expect(await listAnomalies(db(), { limit: 1, offset: 1, agentName: "wifi" })).toHaveLength(1);
    const view = await sql<{ n: number }>`select count(*) as n from mcp_anomalies`.execute(db());
    expect(Number(view.rows[0]?.n)).toBe(all.length);
  });

  it("stores incidents, models, state, templates and audit entries", async (ctx) => {
    if (!t) return ctx.skip();
    await insertIncident(db(), {
      detectedAt: NOW,
      service: "auth",
      severity: "high",
      summary: "s",
      features: { score: 0.9 },
    });
    const [inc] = await listIncidents(db(), { limit: 10, offset: 0 });
    expect(inc).toMatchObject({ service: "auth", severity: "high", features: { score: 0.9 } });

    const m1 = await saveModel(
      db(),
      {
        kind: "k",
        key: "x",
        parameters: {},
        trainingSize: 5,
        features: ["a"],
        metrics: {},
        artifact: { w: 1 },
      },
      NOW,
    );
    const m2 = await saveModel(
      db(),
      {
        kind: "k",
        key: "x",
        parameters: {},
        trainingSize: 6,
        features: ["a"],
        metrics: {},
        artifact: { w: 2 },
      },
      NOW,
    );
    expect([m1.version, m2.version]).toEqual([1, 2]);
    expect((await latestModel(db(), "k", "x"))?.artifact).toEqual({ w: 2 });

    await saveState(db(), "miner", { version: 1, n: 1 }, NOW);
    await saveState(db(), "miner", { version: 1, n: 2 }, NOW);
    expect(await loadState(db(), "miner")).toEqual({ version: 1, n: 2 });
    expect(await loadState(db(), "nope")).toBeUndefined();

    await saveTemplates(db(), [
      { stream: "s", templateId: "t1", template: "a <*>", count: 3, firstSeen: NOW, lastSeen: NOW },
    ]);
    await saveTemplates(db(), [
      { stream: "s", templateId: "t1", template: "a <*>", count: 7, firstSeen: NOW, lastSeen: NOW },
    ]);
    expect((await listTemplates(db(), { stream: "s" }))[0]?.count).toBe(7);

    await recordAudit(
      db(),
      { actor: "test", action: "anomaly.update", target: "1", details: { status: "resolved" } },
      NOW,
    );
    const audit = await sql<{ n: number }>`select count(*) as n from audit_log`.execute(db());
    expect(Number(audit.rows[0]?.n)).toBe(1);
  });
});
