import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { SuppressionList } from "../../src/pipeline/suppressions.js";
import { revokeSuppression } from "../../src/service/suppressions.js";
import { recordVerdict } from "../../src/service/verdicts.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { addSuppressedCounts, listSuppressions } from "../../src/store/repos/suppression-list.js";
import { activeSuppressions } from "../../src/store/repos/verdicts.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

const T0 = Date.parse("2026-05-01T00:00:00Z");
const NOW = new Date(T0).toISOString();

describe.each(DIALECTS)("suppressions on $name", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  const clock = new FakeClock(T0);
  const pipeline = { suppressions: new SuppressionList() };
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) return;
    t = await open();
    const stored = await storeAnomalies(
      t.store.db,
      ["ip:10.0.0.5", "user:backup_100%"].map((key, i) => ({
        detector: "brute_force",
        type: "brute_force",
        timestamp: NOW,
        service: "sshd",
        key,
        score: 0.6 + i / 10,
        severity: "medium" as const,
        description: `failures ${key}`,
        features: {},
        explanation: { summary: "x", observed: {}, expected: {} },
        evidence: [],
      })),
      NOW,
    );
    const deps = { store: t.store, clock, pipeline, config: { verdicts: { suppressionTtlDays: 30 } } };
    for (const [i, { anomaly }] of stored.entries())
      await recordVerdict(deps, {
        anomalyId: anomaly.id,
        verdict: "false_positive",
        actor: i === 0 ? "alice" : "bob",
        note: i === 0 ? "our vulnerability scanner" : "nightly backup retries",
      });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("keeps the judged score as the ceiling and the verdict's author and comment", async ({ skip }) => {
    if (!t) return skip();
    const { items, total } = await listSuppressions(
      t.store.db,
      { state: "active", limit: 10, offset: 0 },
      NOW,
    );
    expect(total).toBe(2);
    expect(items.map((s) => [s.key, s.maxScore, s.createdBy, s.note])).toEqual([
      ["user:backup_100%", 0.7, "bob", "nightly backup retries"],
      ["ip:10.0.0.5", 0.6, "alice", "our vulnerability scanner"],
    ]);
    expect(items[1]!.expiresAt).toBe(new Date(T0 + 30 * 86_400_000).toISOString());
  });

  it("searches by detector, entity and text (case-insensitive, wildcards literal)", async ({ skip }) => {
    if (!t) return skip();
    const keys = async (f: { detector?: string; key?: string; q?: string }) =>
      (await listSuppressions(t!.store.db, { state: "all", limit: 10, offset: 0, ...f }, NOW)).items.map(
        (s) => s.key,
      );
    expect(await keys({ detector: "brute_force" })).toHaveLength(2);
    expect(await keys({ detector: "error_burst" })).toEqual([]);
    expect(await keys({ key: "ip:10.0.0.5" })).toEqual(["ip:10.0.0.5"]);
    expect(await keys({ q: "SCANNER" })).toEqual(["ip:10.0.0.5"]);
    expect(await keys({ q: "bob" })).toEqual(["user:backup_100%"]);
    expect(await keys({ q: "100%" })).toEqual(["user:backup_100%"]);
    expect(await keys({ q: "%" })).toEqual(["user:backup_100%"]);
  });

  it("adds the pipeline's drops to the count, and revoking lifts it, audited, only once", async ({
    skip,
  }) => {
    if (!t) return skip();
    const [ip] = (
      await listSuppressions(t.store.db, { key: "ip:10.0.0.5", state: "all", limit: 1, offset: 0 }, NOW)
    ).items;
    await addSuppressedCounts(t.store.db, new Map([[ip!.id, 3]]), NOW);
    await addSuppressedCounts(t.store.db, new Map([[ip!.id, 2]]), NOW);
    const revoked = await revokeSuppression(
      { store: t.store, clock, pipeline },
      ip!.id,
      "carol",
      "scanner retired",
    );
    expect(revoked).toMatchObject({
      suppressedCount: 5,
      lastSuppressedAt: NOW,
      liftedBy: "carol",
      liftedAt: NOW,
    });
    expect((await activeSuppressions(t.store.db, NOW)).map((s) => s.key)).toEqual(["user:backup_100%"]);
    const lifted = await listSuppressions(t.store.db, { state: "lifted", limit: 10, offset: 0 }, NOW);
    expect(lifted.items.map((s) => s.id)).toEqual([ip!.id]);
    const audit = await t.store.db
      .selectFrom("audit_logs")
      .select(["actor", "action", "target"])
      .where("action", "=", "suppression.revoke")
      .execute();
    expect(audit).toEqual([
      { actor: "carol", action: "suppression.revoke", target: `suppression:${ip!.id}` },
    ]);
    await expect(
      revokeSuppression({ store: t.store, clock, pipeline }, ip!.id, "carol"),
    ).rejects.toMatchObject({
      statusCode: 409,
    });
    await expect(revokeSuppression({ store: t.store, clock, pipeline }, 9999, "carol")).rejects.toMatchObject(
      {
        statusCode: 404,
      },
    );
  });
});

describe("migration 010 on a store with older suppressions", () => {
  it("gives each its anomaly's score as the ceiling, so an upgrade stops them hiding escalations", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { Migrator } = await import("kysely");
    const { openStore } = await import("../../src/store/db.js");
    const { migrationProvider } = await import("../../src/store/migrations/index.js");
    const dir = mkdtempSync(join(tmpdir(), "logwarden-m010-"));
    const store = openStore({ url: join(dir, "old.db") });
    try {
      const migrator = new Migrator({
        db: store.db,
        provider: migrationProvider("sqlite"),
        migrationTableName: "schema_migrations",
        migrationLockTableName: "schema_migrations_lock",
      });
      expect((await migrator.migrateTo("009-change-versions")).error).toBeUndefined();
      const [stored] = await storeAnomalies(
        store.db,
        [
          {
            detector: "brute_force",
            type: "brute_force",
            timestamp: NOW,
            service: "sshd",
            key: "ip:10.0.0.9",
            score: 0.6,
            severity: "medium",
            description: "x",
            features: {},
            explanation: { summary: "x", observed: {}, expected: {} },
            evidence: [],
          },
        ],
        NOW,
      );
      // What 006's code wrote: a verdict and its suppression, without the columns 010 adds.
      const { sql } = await import("kysely");
      await sql`insert into verdicts (anomaly_id, detector, key, verdict, actor, created_at)
        values (${stored!.anomaly.id}, 'brute_force', 'ip:10.0.0.9', 'false_positive', 'ops', ${NOW})`.execute(
        store.db,
      );
      await sql`insert into suppressions (verdict_id, detector, key, created_at) values (1, 'brute_force', 'ip:10.0.0.9', ${NOW})`.execute(
        store.db,
      );
      await store.migrate();
      const [s] = await activeSuppressions(store.db, NOW);
      expect(s).toMatchObject({ key: "ip:10.0.0.9", maxScore: 0.6, suppressedCount: 0, liftedBy: null });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
