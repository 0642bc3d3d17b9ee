import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import type { LogRecord } from "../../src/core/log-record.js";
import { isoUtc } from "../../src/core/time.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { detectorPrecision, recordVerdict } from "../../src/service/verdicts.js";
import { changeAnomalyStatus } from "../../src/store/repos/anomaly-search.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** `n` failed sshd logins for `user`, one per second from `at`. */
function failures(user: string, ip: string, at: number, n: number): LogRecord[] {
  return Array.from({ length: n }, (_, i) =>
    decodeLine(
      JSON.stringify({
        timestamp: isoUtc(at + i * 1000),
        service: "sshd",
        message: `Failed password for ${user} from ${ip} port 4000${i} ssh2`,
      }),
      { observedAt: isoUtc(at) },
    ),
  );
}

const ENV = { BRUTE_FORCE_THRESHOLD: "5", VOLUME_ENABLED: "false", SUPPRESSION_TTL_DAYS: "30" };
const T0 = Date.parse("2026-03-01T10:00:00Z");

describe("verdicts end to end through the ingest pipeline", () => {
  it("a false positive suppresses its key: not stored, not emitted, still after a restart; precision follows", async () => {
    const clock = new FakeClock(T0);
    server = await startTestServer(ENV, { clock });
    const { rt } = server;
    const first = await rt.pipeline.submit(failures("backup", "10.0.0.7", T0, 5));
    const fp = first.anomalies.find((a) => a.detector === "brute_force" && a.key === "user:backup")!;
    expect(fp).toBeDefined();
    const tp = (await rt.pipeline.submit(failures("root", "203.0.113.9", T0 + 10_000, 5))).anomalies.find(
      (a) => a.key === "user:root",
    )!;

    await changeAnomalyStatus(
      rt.store.db,
      { id: fp.id, status: "false_positive", comment: "backup job", actor: "ops" },
      isoUtc(clock.now()),
    );
    const result = await recordVerdict(rt, {
      anomalyId: fp.id,
      verdict: "false_positive",
      actor: "ops",
      note: "backup job retries",
    });
    expect(result.suppression).toMatchObject({
      detector: "brute_force",
      key: "user:backup",
      templateId: null,
    });
    expect(Date.parse(result.suppression!.expiresAt!)).toBe(clock.now() + 30 * 86_400_000);
    await recordVerdict(rt, { anomalyId: tp.id, verdict: "true_positive", actor: "ops" });

    // Two hours later the backup job fails again as often as it did: suppressed (a stronger burst would
    // not be: see test/pipeline/suppression-ceiling.test.ts). Root's new burst is still reported.
    clock.advance(2 * 3_600_000);
    const emitted: string[] = [];
    rt.pipeline.onAnomalies = (list) => emitted.push(...list.map((a) => a.key));
    const later = await rt.pipeline.submit([
      ...failures("backup", "10.0.0.7", T0 + 7_200_000, 5),
      ...failures("root", "203.0.113.9", T0 + 7_200_000, 10),
    ]);
    const keys = later.anomalies.map((a) => a.key);
    expect(keys).not.toContain("user:backup");
    expect(keys).toContain("user:root");
    expect(emitted).not.toContain("user:backup");
    expect(rt.pipeline.suppressions.suppressed.get("brute_force")).toBeGreaterThan(0);
    const rows = await rt.store.db
      .selectFrom("anomalies")
      .select(["key", "status"])
      .where("key", "=", "user:backup")
      .execute();
    expect(rows).toEqual([{ key: "user:backup", status: "false_positive" }]);

    expect(await detectorPrecision(rt.store)).toContainEqual({
      detector: "brute_force",
      truePositives: 1,
      falsePositives: 1,
      precision: 0.5,
    });

    // Restart on the same data: the suppression is loaded from the store.
    const dataDir = server.dataDir;
    await server.close(false);
    server = await startTestServer(ENV, { clock, dataDir });
    clock.advance(3_600_000);
    const again = await server.rt.pipeline.submit(failures("backup", "10.0.0.7", T0 + 10_800_000, 5));
    expect(again.anomalies.filter((a) => a.key === "user:backup")).toEqual([]);

    // Changing one's mind lifts the suppression.
    const flipped = await recordVerdict(server.rt, {
      anomalyId: fp.id,
      verdict: "true_positive",
      actor: "ops",
    });
    expect(flipped.lifted).toHaveLength(1);
    clock.advance(3_600_000);
    const after = await server.rt.pipeline.submit(failures("backup", "10.0.0.7", T0 + 14_400_000, 10));
    // Reported at 5 and again at 10 failures, merged into one stored anomaly.
    expect(new Set(after.anomalies.filter((a) => a.key === "user:backup").map((a) => a.id)).size).toBe(1);
    expect(await detectorPrecision(server.rt.store)).toContainEqual(
      expect.objectContaining({ detector: "brute_force", truePositives: 2, falsePositives: 0, precision: 1 }),
    );
  });

  it("scopes by detector or template and honours expiry; rejects unknown anomalies", async () => {
    const clock = new FakeClock(T0);
    server = await startTestServer(ENV, { clock });
    const { rt } = server;
    const a = (await rt.pipeline.submit(failures("svc", "10.0.0.8", T0, 5))).anomalies[0]!;
    await recordVerdict(rt, {
      anomalyId: a.id,
      verdict: "false_positive",
      actor: "ops",
      scope: "detector",
      expiresAt: isoUtc(T0 + 3 * 3_600_000),
    });
    clock.advance(2 * 3_600_000);
    expect((await rt.pipeline.submit(failures("other", "10.0.0.9", T0 + 7_200_000, 5))).anomalies).toEqual(
      [],
    );
    clock.advance(2 * 3_600_000);
    expect(
      (await rt.pipeline.submit(failures("other", "10.0.0.9", T0 + 14_400_000, 10))).anomalies.length,
    ).toBeGreaterThan(0);
    await expect(
      recordVerdict(rt, { anomalyId: 99_999, verdict: "false_positive", actor: "ops" }),
    ).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});

describe("repeats of one detector and key", () => {
  it("merge into one open anomaly within the window and open a new one after it", async () => {
    const clock = new FakeClock(T0);
    server = await startTestServer(ENV, { clock });
    const { rt } = server;
    const ids = new Set<number>();
    for (const offset of [0, 600_000, 1_200_000]) {
      clock.set(T0 + offset);
      for (const a of (await rt.pipeline.submit(failures("x", "10.1.1.1", T0 + offset, 5))).anomalies) {
        if (a.key === "user:x") ids.add(a.id);
      }
    }
    expect(ids.size).toBe(1);
    const [row] = await rt.store.db
      .selectFrom("anomalies")
      .select(["count", "last_seen"])
      .where("key", "=", "user:x")
      .execute();
    expect(Number(row!.count)).toBe(3);
    expect(row!.last_seen).toBe(isoUtc(T0 + 1_200_000 + 4000));
    clock.set(T0 + 3 * 3_600_000);
    const later = (await rt.pipeline.submit(failures("x", "10.1.1.1", T0 + 3 * 3_600_000, 5))).anomalies.find(
      (a) => a.key === "user:x",
    )!;
    expect(ids.has(later.id)).toBe(false);
  });
});
