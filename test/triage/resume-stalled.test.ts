import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { Clock } from "../../src/core/clock.js";
import { isoUtc } from "../../src/core/time.js";
import { getAlert, insertAlerts, markStage } from "../../src/store/repos/alerts.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { toIncomingAlert } from "../../src/triage/intake.js";
import { TriageService } from "../../src/triage/service.js";
import { sqliteTestStore, type TestStore } from "../helpers/stores.js";

let ts: TestStore | undefined;
afterEach(async () => {
  await ts?.cleanup();
  ts = undefined;
});

const NOW = Date.parse("2026-06-01T12:00:00.000Z");
const clock: Clock = { now: () => NOW };

describe("alerts left between stages", () => {
  it("are handed on again after TRIAGE_RESUME_AFTER_SECS, once, and triaged; recent ones are left alone", async () => {
    ts = await sqliteTestStore();
    const db = ts.store.db;
    const alert = (id: string) => ({
      alert: toIncomingAlert({ alert_id: id, source_ip: "45.33.32.156", severity: "high" }, 0),
      ruleName: null,
    });
    // As a node killed after storing them would leave them: inserted 10 minutes ago, never handed on; one
    // of them had got as far as the context stage.
    const old = isoUtc(NOW - 600_000);
    await insertAlerts(db, [alert("old-1"), alert("old-2")], old);
    await markStage(db, ["old-2"], "enriched", old);
    await insertAlerts(db, [alert("recent")], isoUtc(NOW - 60_000));

    const config = loadConfig({ env: { TRIAGE_RESUME_AFTER_SECS: "300" } });
    const triage = new TriageService(ts.store, config.triage, clock, createLogger("silent"));
    triage.start();
    expect(await triage.resumeStalled()).toBe(2);
    await triage.idle();
    expect((await getAlert(db, "old-1"))?.status).toBe("triaged");
    expect((await getAlert(db, "old-2"))?.status).toBe("triaged");
    expect((await getAlert(db, "recent"))?.status).toBe("received");
    // Stamped when handed on: the next look does not take them again.
    expect(await triage.resumeStalled()).toBe(0);
    await triage.stop();
  });

  it("never look when TRIAGE_RESUME_AFTER_SECS is 0", async () => {
    ts = await sqliteTestStore();
    await insertAlerts(
      ts.store.db,
      [{ alert: toIncomingAlert({ alert_id: "a", source_ip: "10.0.0.1" }, 0), ruleName: null }],
      isoUtc(NOW - 86_400_000),
    );
    const config = loadConfig({ env: { TRIAGE_RESUME_AFTER_SECS: "0" } });
    const triage = new TriageService(ts.store, config.triage, clock, createLogger("silent"));
    expect(await triage.resumeStalled()).toBe(0);
  });
});
