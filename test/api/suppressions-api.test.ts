import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import type { LogRecord } from "../../src/core/log-record.js";
import { isoUtc } from "../../src/core/time.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { createToken } from "../../src/store/repos/tokens.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const IP = "198.51.100.23";
const T0 = Date.parse("2026-03-01T10:00:00Z");
const HOUR = 3_600_000;

/** `n` failed sshd logins from IP against a fresh user each, one per second from `at`. */
function failures(at: number, n: number, user = "root"): LogRecord[] {
  return Array.from({ length: n }, (_, i) =>
    decodeLine(
      JSON.stringify({
        timestamp: isoUtc(at + i * 1000),
        service: "sshd",
        message: `Failed password for invalid user ${user}${i} from ${IP} port 5${i} ssh2`,
      }),
      { observedAt: isoUtc(at) },
    ),
  );
}

describe("suppressions: a false positive narrows the rule, and can be listed and revoked", () => {
  it("mutes repeats of the judged strength only, counts them, and stops at once when revoked", async () => {
    const clock = new FakeClock(T0);
    server = await startTestServer({ BRUTE_FORCE_THRESHOLD: "5", VOLUME_ENABLED: "false" }, { clock });
    const { rt, app } = server;
    const raised = async (at: number, n: number) =>
      (await rt.pipeline.submit(failures(at, n))).anomalies.filter(
        (a) => a.detector === "brute_force" && a.key === `ip:${IP}`,
      );
    const [judged] = await raised(T0, 5);
    expect(judged).toMatchObject({ detector: "brute_force", score: 0.6 });

    // The dialog asks what a false positive would suppress before anything is written.
    const preview = await app.inject({
      url: `/api/v1/suppressions/preview?anomaly_id=${judged!.id}`,
      headers: auth,
    });
    expect(preview.json()).toEqual({
      detector: "brute_force",
      entity: `ip:${IP}`,
      template_id: null,
      scope: "key",
      max_score: 0.6,
      expires_at: isoUtc(T0 + 30 * 24 * HOUR),
    });
    const patch = await app.inject({
      method: "PATCH",
      url: `/api/v1/anomalies/${judged!.id}`,
      headers: auth,
      payload: { status: "false_positive", comment: "our pentest box" },
    });
    expect(patch.statusCode).toBe(200);
    const created = patch.json().suppression;
    expect(created).toMatchObject({
      detector: "brute_force",
      entity: `ip:${IP}`,
      scope: "key",
      max_score: 0.6,
      expires_at: isoUtc(T0 + 30 * 24 * HOUR),
      created_by: "API_TOKEN",
      reason: "our pentest box",
      suppressed_count: 0,
      active: true,
    });

    // The same 5 failures again: suppressed, and counted in the store.
    clock.advance(2 * HOUR);
    expect(await raised(T0 + 2 * HOUR, 5)).toEqual([]);
    const listed = async (query = "") =>
      (await app.inject({ url: `/api/v1/suppressions${query}`, headers: auth })).json();
    expect((await listed()).items[0]).toMatchObject({ id: created.id, suppressed_count: 1 });

    // 15 failures: the first 5 are no stronger than the judged burst, the escalation past them fires.
    clock.advance(2 * HOUR);
    const escalation = await raised(T0 + 4 * HOUR, 15);
    expect(escalation.length).toBeGreaterThan(0);
    expect(Math.max(...escalation.map((a) => a.score))).toBeGreaterThan(0.6);
    expect((await listed()).items[0].suppressed_count).toBe(2);

    // Search.
    expect((await listed("?detector=brute_force")).total).toBe(1);
    expect((await listed("?detector=error_burst")).total).toBe(0);
    expect((await listed(`?entity=ip:${IP}`)).total).toBe(1);
    expect((await listed("?q=PENTEST")).total).toBe(1);
    expect((await listed("?q=nothing-like-this")).total).toBe(0);
    expect((await app.inject({ url: "/api/v1/suppressions?state=bogus", headers: auth })).statusCode).toBe(
      400,
    );

    // Scopes: read lists, only admin revokes, nobody without a token.
    const read = (await createToken(rt.store.db, "viewer", ["read"], isoUtc(clock.now()))).token;
    const asReader = { authorization: `Bearer ${read}` };
    expect((await app.inject({ url: "/api/v1/suppressions", headers: asReader })).statusCode).toBe(200);
    expect((await app.inject({ url: "/api/v1/suppressions" })).statusCode).toBe(401);
    const denied = await app.inject({
      method: "DELETE",
      url: `/api/v1/suppressions/${created.id}`,
      headers: asReader,
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });

    const revoked = await app.inject({
      method: "DELETE",
      url: `/api/v1/suppressions/${created.id}`,
      headers: auth,
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ lifted_by: "API_TOKEN", active: false, suppressed_count: 2 });
    expect((await listed()).total).toBe(0);
    expect((await listed("?state=lifted")).items.map((s: { id: number }) => s.id)).toEqual([created.id]);
    const again = await app.inject({
      method: "DELETE",
      url: `/api/v1/suppressions/${created.id}`,
      headers: auth,
    });
    expect(again.statusCode).toBe(409);
    expect(
      (await app.inject({ method: "DELETE", url: "/api/v1/suppressions/987654", headers: auth })).statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: "DELETE", url: "/api/v1/suppressions/abc", headers: auth })).statusCode,
    ).toBe(400);
    const audit = await rt.store.db
      .selectFrom("audit_logs")
      .select(["actor", "target"])
      .where("action", "=", "suppression.revoke")
      .execute();
    expect(audit).toEqual([{ actor: "API_TOKEN", target: `suppression:${created.id}` }]);

    // The running pipeline applies the revocation at once: the same 5 failures fire again.
    clock.advance(2 * HOUR);
    expect(await raised(T0 + 6 * HOUR, 5)).toHaveLength(1);

    const spec = (await app.inject({ url: "/openapi.json" })).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/suppressions",
        "/api/v1/suppressions/{id}",
        "/api/v1/suppressions/preview",
      ]),
    );
  });

  it("a suppression another process revokes stops applying at the pipeline's next tick", async () => {
    const clock = new FakeClock(T0);
    server = await startTestServer({ BRUTE_FORCE_THRESHOLD: "5", VOLUME_ENABLED: "false" }, { clock });
    const { rt, app } = server;
    const [judged] = (await rt.pipeline.submit(failures(T0, 5))).anomalies.filter(
      (a) => a.key === `ip:${IP}`,
    );
    const patch = await app.inject({
      method: "PATCH",
      url: `/api/v1/anomalies/${judged!.id}`,
      headers: auth,
      payload: { status: "false_positive" },
    });
    const id = patch.json().suppression.id as number;
    // As `logwarden suppressions revoke` does from its own process: the store only.
    await rt.store.db
      .updateTable("suppressions")
      .set({ lifted_at: isoUtc(clock.now()) })
      .where("id", "=", id)
      .execute();
    expect(rt.pipeline.suppressions.size).toBe(1);
    await rt.pipeline.tick();
    expect(rt.pipeline.suppressions.size).toBe(0);
  });
});
