import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { systemClock } from "../../src/core/clock.js";
import type { Store } from "../../src/store/db.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { toIncomingAlert } from "../../src/triage/intake.js";
import { TriageService } from "../../src/triage/service.js";
import { DIALECTS, postgresAvailable, sqliteTestStore, type TestStore } from "../helpers/stores.js";
import { SHA256, seedInventory, VERIFICATION_ALERT } from "./fixtures.js";

function service(store: Store): TriageService {
  const config = loadConfig({ env: { TRIAGE_RETRY_BASE_MS: "1", TRIAGE_MAX_ATTEMPTS: "2" } });
  const triage = new TriageService(store, config.triage, systemClock, createLogger("silent"));
  triage.start();
  return triage;
}

describe.each(DIALECTS)("triage verification plan on $name", ({ open, needsPostgres }) => {
  let ts: TestStore | undefined;
  let skip = false;
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) {
      skip = true;
      return;
    }
    ts = await open();
    await seedInventory(ts.store);
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it("writes 3 context rows, 2 threat_intel rows and 1 triage row, with the contract's column names", async (ctx) => {
    if (skip) ctx.skip();
    const { store } = ts!;
    const triage = service(store);
    const r = await triage.submit([toIncomingAlert(VERIFICATION_ALERT, 0)]);
    expect(r).toEqual({ accepted: ["test-001"], duplicates: [] });
    await triage.idle();

    const alerts = await sql<{ alert_id: string; status: string }>`
      select alert_id, source_ip, target_ip, file_hash, url, asset_id, user_id, severity, raw, status, created_at
      from alerts where alert_id = 'test-001'`.execute(store.db);
    expect(alerts.rows).toHaveLength(1);
    expect(alerts.rows[0]?.status).toBe("triaged");

    const context = await sql<{ alert_id: string; context_type: string; source: string }>`
      select alert_id, context_type, source, context_data, created_at from alert_context
      where alert_id = 'test-001' order by context_type`.execute(store.db);
    expect(context.rows.map((c) => c.context_type)).toEqual(["asset", "network", "user"]);
    expect(context.rows.map((c) => c.source)).toEqual(["assets", "network-classifier", "users"]);

    const intel = await sql<{ ioc: string; ioc_type: string; threat_level: string }>`
      select ioc, ioc_type, threat_level, source, details, first_seen, last_seen from threat_intel
      where ioc in ('45.33.32.156', ${SHA256}) order by ioc_type`.execute(store.db);
    expect(intel.rows.map((i) => [i.ioc, i.ioc_type, i.threat_level])).toEqual([
      [SHA256, "hash", "malicious"],
      ["45.33.32.156", "ip", "unknown"],
    ]);

    const results = await sql<{
      alert_id: string;
      risk_score: number;
      risk_level: string;
      analysis_result: string;
    }>`
      select alert_id, risk_score, risk_level, confidence, analysis_result, recommended_actions,
        requires_human_review, created_at, updated_at from triage_results where alert_id = 'test-001'`.execute(
      store.db,
    );
    expect(results.rows).toHaveLength(1);
    const t = results.rows[0]!;
    expect(Number(t.risk_score)).toBeGreaterThanOrEqual(80);
    expect(t.risk_level).toBe("critical");
    expect(t.analysis_result).toContain("Malware download");

    // Posting it again changes nothing (idempotent on alert_id).
    expect(await triage.submit([toIncomingAlert(VERIFICATION_ALERT, 0)])).toEqual({
      accepted: [],
      duplicates: ["test-001"],
    });
    await triage.idle();
    const count = await sql<{ n: number }>`select count(*) as n from alerts`.execute(store.db);
    expect(Number(count.rows[0]?.n)).toBe(1);
    await triage.stop();
  });

  it("leaves an alert whose stage throws in dead-letter with its error, and a retry completes it", async (ctx) => {
    if (skip) ctx.skip();
    const { store } = ts!;
    const triage = service(store);
    let failing = true;
    triage.deps.intel.providers.push({
      name: "flaky",
      async lookup() {
        if (failing) throw new Error("provider unreachable");
        return new Map();
      },
    });
    await triage.submit([toIncomingAlert({ alert_id: "dl-1", source_ip: "198.51.100.7" }, 0)]);
    await triage.idle();
    const dead = await sql<{ status: string; stage: string; last_error: string }>`
      select status, stage, last_error from alerts where alert_id = 'dl-1'`.execute(store.db);
    expect(dead.rows[0]).toEqual({
      status: "dead_letter",
      stage: "threat-intel-aggregator",
      last_error: "provider unreachable",
    });
    failing = false;
    await triage.retry("dl-1");
    await triage.idle();
    const done = await sql<{ status: string }>`select status from alerts where alert_id = 'dl-1'`.execute(
      store.db,
    );
    expect(done.rows[0]?.status).toBe("triaged");
    const tr = await sql<{
      n: number;
    }>`select count(*) as n from triage_results where alert_id = 'dl-1'`.execute(store.db);
    expect(Number(tr.rows[0]?.n)).toBe(1);
    await triage.stop();
  });

  it("writes every table of the contract by some path", async (ctx) => {
    if (skip) ctx.skip();
    const { store } = ts!;
    for (const table of [
      "alerts",
      "alert_context",
      "threat_intel",
      "triage_results",
      "users",
      "assets",
      "incidents",
      "remediation_actions",
      "audit_logs",
    ]) {
      const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(store.db);
      expect(Number(r.rows[0]?.n), table).toBeGreaterThan(0);
    }
    // The critical alert opened an incident on its asset with proposed remediation.
    const inc = await sql<{ entity: string; alert_id: string; status: string }>`
      select id, detected_at, service, severity, summary, features, entity, alert_id, status from incidents
      where alert_id = 'test-001'`.execute(store.db);
    expect(inc.rows[0]).toMatchObject({ alert_id: "test-001", status: "open" });
    const actions = await sql<{ action: string; status: string }>`
      select action, status from remediation_actions order by action`.execute(store.db);
    expect(actions.rows.map((a) => a.action)).toEqual(["disable_user", "isolate_host", "quarantine_file"]);
    expect(actions.rows.every((a) => a.status === "proposed")).toBe(true);
  });
});

describe("stage log phrases", () => {
  it("logs the contract's consumer and processing phrases (§2.2)", async () => {
    const ts = await sqliteTestStore();
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
    const config = loadConfig({ env: { TRIAGE_RETRY_BASE_MS: "1", TRIAGE_MAX_ATTEMPTS: "1" } });
    const triage = new TriageService(ts.store, config.triage, systemClock, log);
    triage.deps.intel.providers.push({
      name: "down",
      async lookup() {
        throw new Error("feed offline");
      },
    });
    triage.start();
    await triage.submit([toIncomingAlert({ alert_id: "log-1", source_ip: "8.8.8.8" }, 0)]);
    await triage.idle();
    await triage.stop();
    await ts.cleanup();
    const msgs = lines.map((l) => JSON.parse(l) as { msg: string; stage?: string });
    for (const stage of [
      "alert-normalizer",
      "context-collector",
      "threat-intel-aggregator",
      "ai-triage-agent",
    ]) {
      expect(msgs.some((m) => m.stage === stage && m.msg.includes("Message consumer connected"))).toBe(true);
      expect(msgs.some((m) => m.stage === stage && m.msg.includes("Message consumer task started"))).toBe(
        true,
      );
    }
    expect(msgs.filter((m) => m.msg === "Processing message log-1").map((m) => m.stage)).toEqual([
      "alert-normalizer",
      "context-collector",
      "threat-intel-aggregator",
    ]);
    expect(msgs.some((m) => m.msg === "Error processing message: feed offline")).toBe(true);
  });
});
