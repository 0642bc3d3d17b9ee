import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { isoUtc } from "../../src/core/time.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { failedLogins, sshdRecord } from "../helpers/sshd-records.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const T0 = Date.parse("2026-03-01T10:00:00Z");
const HOUR = 3_600_000;

describe("GET /api/v1/anomaly-incidents", () => {
  it("groups stored findings about one address and the account it broke into; others stay apart", async () => {
    const clock = new FakeClock(T0);
    server = await startTestServer(
      { BRUTE_FORCE_THRESHOLD: "5", SUCCESS_AFTER_FAILURES_MIN_FAILURES: "5", VOLUME_ENABLED: "false" },
      { clock },
    );
    const { rt, app } = server;
    // A brute force on alice that gets in: brute_force (ip) and success_after_failures (user, from the ip).
    const attacker = "203.0.113.66";
    await rt.pipeline.submit([
      ...failedLogins(T0, 6, "alice", attacker),
      sshdRecord(T0 + 10_000, `Accepted password for alice from ${attacker} port 60000 ssh2`),
    ]);
    // Three hours later, another address tries bob: an incident of its own.
    await rt.pipeline.submit(failedLogins(T0 + 3 * HOUR, 6, "bob", "198.51.100.9"));
    clock.set(T0 + 4 * HOUR);

    const res = await app.inject({ url: "/api/v1/anomaly-incidents", headers: auth });
    expect(res.statusCode).toBe(200);
    const page = res.json();
    expect(page).toMatchObject({ window_secs: 1800, truncated: false, until: isoUtc(T0 + 4 * HOUR) });
    expect(page.total).toBe(2);
    const [bob, alice] = page.incidents;
    expect(alice.entities).toEqual(expect.arrayContaining([`ip:${attacker}`, "user:alice"]));
    expect(alice.detectors).toEqual(expect.arrayContaining(["brute_force", "success_after_failures"]));
    expect(alice.anomaly_ids.length).toBeGreaterThanOrEqual(2);
    expect(alice.id).toBe(alice.anomaly_ids[0]);
    expect(alice.score).toBeGreaterThan(Math.max(0.6, bob.score));
    expect(bob.entities).toContain("ip:198.51.100.9");
    expect(bob.entities).not.toContain("user:alice");
    expect(page.findings).toBe(alice.anomaly_ids.length + bob.anomaly_ids.length);

    // A narrower window and a limit.
    const late = await app.inject({
      url: `/api/v1/anomaly-incidents?since=${isoUtc(T0 + HOUR)}&limit=5`,
      headers: auth,
    });
    expect(late.json().incidents.map((i: { id: number }) => i.id)).toEqual([bob.id]);
    const one = await app.inject({ url: "/api/v1/anomaly-incidents?limit=1", headers: auth });
    expect(one.json()).toMatchObject({ total: 2, incidents: [{ id: bob.id }] });
    // The next page (the dashboard pages through a busy window this way).
    const second = await app.inject({ url: "/api/v1/anomaly-incidents?limit=1&offset=1", headers: auth });
    expect(second.json()).toMatchObject({ total: 2, incidents: [{ id: alice.id }] });
    const past = await app.inject({ url: "/api/v1/anomaly-incidents?offset=2", headers: auth });
    expect(past.json()).toMatchObject({ total: 2, incidents: [] });
  });

  it("answers 400 for a window that ends before it starts or a bad window_secs, 401 without a token", async () => {
    server = await startTestServer({});
    const { app } = server;
    const get = (url: string, headers: Record<string, string> = auth) => app.inject({ url, headers });
    const reversed = await get(
      "/api/v1/anomaly-incidents?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z",
    );
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json()).toMatchObject({ error: "bad_request", message: "since must be before until" });
    expect((await get("/api/v1/anomaly-incidents?window_secs=5")).statusCode).toBe(400);
    expect((await get("/api/v1/anomaly-incidents?since=yesterday")).statusCode).toBe(400);
    expect((await get("/api/v1/anomaly-incidents", {})).statusCode).toBe(401);
  });
});
