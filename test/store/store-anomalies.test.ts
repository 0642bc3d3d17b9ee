import fc from "fast-check";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Anomaly } from "../../src/core/anomaly.js";
import type { JsonObject } from "../../src/core/json.js";
import { type Severity, severityRank } from "../../src/core/severity.js";
import { fromJsonText, toJsonText } from "../../src/store/json.js";
import { type StoredAnomaly, storeAnomalies, toStoredAnomaly } from "../../src/store/repos/anomalies.js";
import type { Database } from "../../src/store/schema.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

const MAX_EVIDENCE = 50;

/**
 * storeAnomalies as it was with Kysely's query builder, before its statements became SQL templates: the
 * rows it writes and the anomalies it returns must stay exactly these.
 */
async function builderStoreAnomalies(
  db: Kysely<Database>,
  anomalies: readonly Anomaly[],
  now: string,
  mergeWindowMs = 3_600_000,
): Promise<{ anomaly: StoredAnomaly; created: boolean }[]> {
  const out: { anomaly: StoredAnomaly; created: boolean }[] = [];
  for (const a of anomalies) {
    const since = new Date(Date.parse(a.timestamp) - mergeWindowMs).toISOString();
    const until = new Date(Date.parse(a.timestamp) + mergeWindowMs).toISOString();
    const candidates = await db
      .selectFrom("anomalies")
      .selectAll()
      .where("agent_name", "=", a.detector)
      .where("key", "=", a.key)
      .where("status", "=", "open")
      .where("last_seen", ">=", since)
      .where("timestamp", "<=", until)
      .orderBy("id", "desc")
      .limit(8)
      .execute();
    // The same host when both name one: another machine's events are another finding.
    const host = a.features.host;
    const open = candidates.find((row) => {
      const theirs = fromJsonText<JsonObject>(row.features, {}).host;
      return typeof host !== "string" || typeof theirs !== "string" || theirs === host;
    });
    if (open) {
      const stronger = a.score >= Number(open.confidence);
      const severity =
        severityRank(a.severity) > severityRank(open.severity as Severity)
          ? a.severity
          : (open.severity as Severity);
      const before = fromJsonText<number[]>(open.evidence, []);
      const evidence = [...before, ...a.evidence.filter((id) => !before.includes(id))].slice(-MAX_EVIDENCE);
      const lastSeen = a.timestamp > open.last_seen ? a.timestamp : open.last_seen;
      const firstSeen = a.timestamp < open.timestamp ? a.timestamp : open.timestamp;
      const row = await db
        .updateTable("anomalies")
        .set({
          count: Number(open.count) + 1,
          timestamp: firstSeen,
          last_seen: lastSeen,
          updated_at: now,
          // The sinks route this form again (repos/sink-queue.ts): a sink that has the anomaly already
          // keeps its one delivery, one whose route the repeat now matches (say, a higher severity) gets it.
          sinks_queued_at: null,
          severity,
          evidence: toJsonText(evidence),
          ...(stronger
            ? {
                confidence: a.score,
                description: a.description,
                features: toJsonText(a.features),
                explanation: toJsonText(a.explanation),
              }
            : {}),
        })
        .where("id", "=", open.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      out.push({ anomaly: toStoredAnomaly(row), created: false });
      continue;
    }
    const row = await db
      .insertInto("anomalies")
      .values({
        agent_name: a.detector,
        device_id: a.deviceId ?? null,
        timestamp: a.timestamp,
        anomaly_type: a.type,
        confidence: a.score,
        description: a.description,
        features: toJsonText(a.features),
        created_at: now,
        severity: a.severity,
        service: a.service,
        key: a.key,
        status: "open",
        explanation: toJsonText(a.explanation),
        evidence: toJsonText(a.evidence.slice(-MAX_EVIDENCE)),
        template_id: a.templateId ?? null,
        count: 1,
        last_seen: a.timestamp,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    out.push({ anomaly: toStoredAnomaly(row), created: true });
  }
  return out;
}

const T0 = Date.UTC(2026, 0, 1);
const SEVERITIES: Severity[] = ["low", "medium", "high", "critical"];

/** Repeats on few keys, hours apart or seconds apart, weaker and stronger, with long evidence lists. */
const step = fc.record({
  detector: fc.constantFrom("brute_force", "error_burst"),
  key: fc.constantFrom("ip:10.0.0.1", "ip:10.0.0.2", "svc:auth", "k'quoted\"", "ключ"),
  minutes: fc.integer({ min: -90, max: 150 }),
  score: fc.constantFrom(0.1, 0.5, 0.5, 0.91, 1),
  severity: fc.constantFrom(...SEVERITIES),
  evidence: fc.array(fc.nat({ max: 10_000 }), { maxLength: 60 }),
  deviceId: fc.option(fc.nat({ max: 9 }), { nil: undefined }),
  templateId: fc.option(fc.constantFrom("t1", "t2"), { nil: undefined }),
  features: fc.dictionary(
    fc.constantFrom("n", "users", "rate", "host"),
    fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.string()),
  ),
  /** What happens to the stored rows before this step: nothing, a resolve, or a sink having queued them. */
  before: fc.constantFrom("none", "none", "none", "resolve", "queued"),
  batch: fc.integer({ min: 1, max: 3 }),
});

function anomalyOf(s: StepValue, i: number): Anomaly {
  const base: Anomaly = {
    detector: s.detector,
    type: s.detector,
    timestamp: new Date(T0 + i * 60_000 + s.minutes * 60_000).toISOString(),
    service: i % 3 === 0 ? null : "OpenSSH",
    key: s.key,
    score: s.score,
    severity: s.severity,
    description: `${s.detector} on ${s.key} (${i})`,
    features: s.features as JsonObject,
    explanation: { summary: `step ${i}`, observed: { count: i }, expected: { max: 3 } },
    evidence: s.evidence,
  };
  if (s.deviceId !== undefined) base.deviceId = s.deviceId;
  if (s.templateId !== undefined) base.templateId = s.templateId;
  return base;
}
type StepValue = typeof step extends fc.Arbitrary<infer V> ? V : never;

async function rows(db: Kysely<Database>) {
  return db.selectFrom("anomalies").selectAll().orderBy("id").execute();
}

describe.each(DIALECTS)("storeAnomalies on $name", ({ open, needsPostgres }) => {
  let viaTemplates: TestStore | undefined;
  let viaBuilder: TestStore | undefined;
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) return;
    viaTemplates = await open();
    viaBuilder = await open();
  });
  afterAll(async () => {
    await viaTemplates?.cleanup();
    await viaBuilder?.cleanup();
  });

  it("writes the rows and returns the anomalies the query-builder version did (property)", async ({
    skip,
  }) => {
    if (!viaTemplates || !viaBuilder) return skip();
    const steps = fc.sample(step, { numRuns: needsPostgres ? 120 : 250, seed: 18 });
    let i = 0;
    for (const s of steps) {
      if (s.before !== "none") {
        for (const t of [viaTemplates, viaBuilder])
          await t.store.db
            .updateTable("anomalies")
            .set(
              s.before === "resolve"
                ? { status: "resolved" }
                : { sinks_queued_at: "2026-01-01T00:00:00.000Z" },
            )
            .where("key", "=", s.key)
            .execute();
      }
      const batch = Array.from({ length: s.batch }, () => anomalyOf(s, i++));
      const now = new Date(T0 + i * 1000).toISOString();
      const got = await viaTemplates.store.transaction((tx) => storeAnomalies(tx.db, batch, now));
      const want = await viaBuilder.store.transaction((tx) => builderStoreAnomalies(tx.db, batch, now));
      expect(got).toStrictEqual(want);
    }
    const stored = await rows(viaTemplates.store.db);
    expect(stored).toStrictEqual(await rows(viaBuilder.store.db));
    // The sequence merged, inserted, and merged weaker and stronger repeats: the property covered them.
    expect(stored.length).toBeGreaterThan(5);
    expect(stored.some((r) => Number(r.count) > 2)).toBe(true);
    expect(stored.some((r) => r.status === "resolved")).toBe(true);
  });

  it("merges the same key from two transactions committing side by side into one row (a cluster's partitions)", async ({
    skip,
  }) => {
    if (!viaTemplates) return skip();
    const store = viaTemplates.store;
    const finding = (i: number): Anomaly => ({
      detector: "brute_force",
      type: "brute_force",
      timestamp: `2026-06-01T10:0${i}:00.000Z`,
      service: "sshd",
      key: "ip:203.0.113.77",
      score: 0.8,
      severity: "high",
      description: `failed logins from 203.0.113.77 (${i})`,
      features: { source_ip: "203.0.113.77" },
      explanation: { summary: `partition ${i}`, observed: {}, expected: {} },
      evidence: [100 + i],
    });
    const now = "2026-11-29T00:00:00.000Z";
    // The first transaction stores its finding and holds on before committing; the second stores the same
    // key meanwhile. Its merge must wait for the first and add to its row, not insert a second one.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let firstStored!: () => void;
    const stored = new Promise<void>((r) => {
      firstStored = r;
    });
    const first = store.transaction(async (tx) => {
      await storeAnomalies(tx.db, [finding(1)], now, (keys) => store.dialect.lockKeys(tx.db, keys));
      firstStored();
      await held;
    });
    await stored;
    const second = store.transaction((tx) =>
      storeAnomalies(tx.db, [finding(2)], now, (keys) => store.dialect.lockKeys(tx.db, keys)),
    );
    await new Promise((r) => setTimeout(r, 200));
    release();
    await first;
    const [merged] = await second;
    expect(merged?.created).toBe(false);
    const written = (await rows(store.db)).filter((r) => r.key === "ip:203.0.113.77");
    expect(written).toHaveLength(1);
    expect(Number(written[0]!.count)).toBe(2);
  });

  it("never rewrites a finding with another period's or another machine's events", async ({ skip }) => {
    if (!viaTemplates) return skip();
    const july: Anomaly = {
      detector: "brute_force",
      type: "brute_force",
      timestamp: "2026-07-10T03:00:00.000Z",
      service: "sshd",
      key: "user:root-rewrite",
      score: 0.88,
      severity: "high",
      description: "20 failed logins for user root in 60 s",
      features: { user: "root", host: "combo", source_ip: "207.243.167.114" },
      explanation: { summary: "20 failed logins for user root in 60 s", observed: {}, expected: {} },
      evidence: [1, 2, 3],
    };
    const now = "2026-11-28T00:00:00.000Z";
    const store = (a: Anomaly) => viaTemplates!.store.transaction((tx) => storeAnomalies(tx.db, [a], now));
    const [first] = await store(july);
    // A December file uploaded after July's (its lines are older): a new finding, July's stays as it was.
    const december: Anomaly = {
      ...july,
      timestamp: "2025-12-10T07:00:00.000Z",
      score: 0.97,
      severity: "critical",
      description: "80 failed logins for user root in 185 s",
      features: { user: "root", host: "LabSZ", source_ip: "183.62.140.253" },
      evidence: [900, 901],
    };
    const [dec] = await store(december);
    expect(dec!.created).toBe(true);
    // Within the window but from another machine: another finding too.
    const [other] = await store({
      ...july,
      timestamp: "2026-07-10T03:10:00.000Z",
      features: { ...july.features, host: "web-2" },
    });
    expect(other!.created).toBe(true);
    // The same machine ten minutes before the first sighting (a late shipper): it extends the finding back.
    const [earlier] = await store({ ...july, timestamp: "2026-07-10T02:50:00.000Z", evidence: [0] });
    expect(earlier!.created).toBe(false);
    expect(earlier!.anomaly.id).toBe(first!.anomaly.id);
    expect(earlier!.anomaly.timestamp).toBe("2026-07-10T02:50:00.000Z");
    expect(earlier!.anomaly.lastSeen).toBe("2026-07-10T03:00:00.000Z");
    expect(earlier!.anomaly.description).toBe(july.description);
    expect(earlier!.anomaly.features).toEqual(july.features);
    expect(earlier!.anomaly.evidence).toEqual([1, 2, 3, 0]);
  });

  it("lists each evidence line once when a repeat restates the lines its window already had", async ({
    skip,
  }) => {
    if (!viaTemplates) return skip();
    const db = viaTemplates.store.db;
    const s: StepValue = {
      detector: "brute_force",
      key: "evidence-once" as StepValue["key"],
      minutes: 0,
      score: 0.91,
      severity: "high",
      evidence: [1, 2, 3],
      deviceId: undefined,
      templateId: undefined,
      features: {},
      before: "none",
      batch: 1,
    };
    const first = anomalyOf(s, 0);
    const grown: Anomaly = {
      ...first,
      timestamp: new Date(Date.parse(first.timestamp) + 1000).toISOString(),
      evidence: [1, 2, 3, 4, 5],
    };
    const now = new Date(T0).toISOString();
    await viaTemplates.store.transaction((tx) => storeAnomalies(tx.db, [first], now));
    const [merged] = await viaTemplates.store.transaction((tx) => storeAnomalies(tx.db, [grown], now));
    expect(merged!.created).toBe(false);
    expect(merged!.anomaly.evidence).toEqual([1, 2, 3, 4, 5]);
    const row = await db
      .selectFrom("anomalies")
      .select("evidence")
      .where("key", "=", "evidence-once")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.evidence)).toEqual([1, 2, 3, 4, 5]);
  });
});
