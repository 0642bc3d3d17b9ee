import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertsAtOrPast, insertAlerts, markStage } from "../../src/store/repos/alerts.js";
import { toIncomingAlert } from "../../src/triage/intake.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

const NOW = "2026-01-01T00:00:00.000Z";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DIALECTS)("alert stages on $name", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) return;
    t = await open();
    const ids = ["s-1", "s-2", "s-3", "s-4"];
    await insertAlerts(
      t.store.db,
      ids.map((id, i) => ({
        alert: toIncomingAlert({ alert_id: id, source_ip: "10.0.0.1" }, i),
        ruleName: null,
      })),
      NOW,
    );
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("moves alerts forward only, and returns the ones it moved", async ({ skip }) => {
    if (!t) return skip();
    const db = t.store.db;
    expect([...(await markStage(db, ["s-1", "s-2"], "enriched", NOW))].sort()).toEqual(["s-1", "s-2"]);
    expect([...(await markStage(db, ["s-1"], "triaged", NOW))]).toEqual(["s-1"]);
    // A redelivery to an earlier stage: s-1 stays triaged, s-2 is already enriched.
    expect([...(await markStage(db, ["s-1", "s-2"], "enriched", NOW))]).toEqual([]);
    expect([...(await markStage(db, ["s-1"], "triaged", NOW))]).toEqual([]);
    expect([...(await alertsAtOrPast(db, ["s-1", "s-2", "s-3"], "triaged"))]).toEqual(["s-1"]);
    expect([...(await alertsAtOrPast(db, ["s-1", "s-2", "s-3"], "enriched"))].sort()).toEqual(["s-1", "s-2"]);
  });

  it("lets one of two transactions finishing the same alert at once claim it", async ({ skip }) => {
    if (!t) return skip();
    const store = t.store;
    let firstMarked = false;
    const first = store.transaction(async (tx) => {
      const claimed = await markStage(tx.db, ["s-3"], "triaged", NOW);
      firstMarked = true;
      await sleep(200);
      return claimed;
    });
    // The second starts once the first has marked, not after a fixed 50 ms: on a loaded machine the first
    // transaction's start took longer than that, and the second one went first.
    await waitFor(() => firstMarked, "the first transaction's mark", 10_000, 5);
    const second = store.transaction(async (tx) => markStage(tx.db, ["s-3"], "triaged", NOW));
    expect([...(await first)]).toEqual(["s-3"]);
    expect([...(await second)]).toEqual([]);
  });

  it("holds a key's lock until the transaction ends", async ({ skip }) => {
    if (!t) return skip();
    const store = t.store;
    const events: string[] = [];
    const first = store.transaction(async (tx) => {
      await store.dialect.lockKeys(tx.db, ["incident:ip:1.2.3.4", "incident:ip:5.6.7.8"]);
      events.push("first locked");
      await sleep(200);
      events.push("first done");
    });
    // The second starts once the first holds the lock (a fixed 50 ms was too short on a loaded machine).
    await waitFor(() => events.includes("first locked"), "the first transaction's lock", 10_000, 5);
    const second = store.transaction(async (tx) => {
      await store.dialect.lockKeys(tx.db, ["incident:ip:5.6.7.8"]);
      events.push("second locked");
    });
    await Promise.all([first, second]);
    expect(events).toEqual(["first locked", "first done", "second locked"]);
  });
});
