import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function create(s: TestServer, name: string, scopes: string[]): Promise<{ id: number; token: string }> {
  const res = await s.app.inject({
    method: "POST",
    url: "/api/v1/tokens",
    headers: auth,
    payload: { name, scopes },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe("API tokens", () => {
  it("creates a token shown once, lists it without the secret, and revokes it", async () => {
    server = await startTestServer();
    const created = await create(server, "shipper", ["ingest"]);
    expect(created.token).toMatch(/^lw_[\w-]{40,}$/);

    const list = await server.app.inject({ url: "/api/v1/tokens", headers: auth });
    expect(list.statusCode).toBe(200);
    const rows = list.json();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: created.id, name: "shipper", scopes: ["ingest"], revoked_at: null });
    expect(JSON.stringify(rows)).not.toContain(created.token);

    const ingest = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: bearer(created.token),
      payload: [{ message: "hello" }],
    });
    expect(ingest.statusCode).toBe(200);

    const revoked = await server.app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${created.id}`,
      headers: auth,
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revoked_at).toMatch(/Z$/);
    const after = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: bearer(created.token),
      payload: [{ message: "hello" }],
    });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ error: "Unauthorized" });

    const again = await server.app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${created.id}`,
      headers: auth,
    });
    expect(again.statusCode).toBe(404);
    expect(again.json().error).toBe("not_found");

    const audit = await server.rt.store.db.selectFrom("audit_logs").selectAll().orderBy("id").execute();
    expect(audit.map((a) => [a.actor, a.action, a.target])).toEqual([
      ["API_TOKEN", "token.create", `token:${created.id}`],
      ["API_TOKEN", "token.revoke", `token:${created.id}`],
    ]);
  });

  it("answers 401 without or with a bad token and 403 without the scope", async () => {
    server = await startTestServer();
    const reader = await create(server, "reader", ["read"]);
    const shipper = await create(server, "shipper", ["ingest"]);

    expect((await server.app.inject({ url: "/api/v1/tokens" })).statusCode).toBe(401);
    expect((await server.app.inject({ url: "/api/v1/tokens", headers: bearer("lw_nope") })).statusCode).toBe(
      401,
    );
    const forbidden = await server.app.inject({ url: "/api/v1/tokens", headers: bearer(reader.token) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ error: "Forbidden", message: expect.stringContaining("admin") });

    expect((await server.app.inject({ url: "/incidents", headers: bearer(reader.token) })).statusCode).toBe(
      200,
    );
    expect((await server.app.inject({ url: "/incidents", headers: bearer(shipper.token) })).statusCode).toBe(
      403,
    );
    const write = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: bearer(reader.token),
      payload: [{ message: "x" }],
    });
    expect(write.statusCode).toBe(403);
    // An open group lets anyone in, whatever scope the token has.
    await server.close();
    server = await startTestServer({ OPEN_ROUTES: "incidents" });
    expect((await server.app.inject({ url: "/incidents", headers: bearer("whatever") })).statusCode).toBe(
      200,
    );
  });

  it("accepts API_TOKENS (read + ingest) and keeps HEALTH_TOKEN to system 000's route", async () => {
    server = await startTestServer({ API_TOKENS: "one, two", HEALTH_TOKEN: "h" });
    expect((await server.app.inject({ url: "/incidents", headers: bearer("two") })).statusCode).toBe(200);
    expect((await server.app.inject({ url: "/api/v1/tokens", headers: bearer("two") })).statusCode).toBe(403);
    expect((await server.app.inject({ url: "/incidents", headers: bearer("h") })).statusCode).toBe(401);
    expect((await server.app.inject({ url: "/api/v1/anomalies", headers: bearer("h") })).statusCode).toBe(
      200,
    );
    expect((await server.app.inject({ url: "/api/v1/anomalies", headers: bearer("one") })).statusCode).toBe(
      200,
    );
  });

  it("validates token creation: unknown scope, unknown field, empty name, wrong types", async () => {
    server = await startTestServer();
    for (const payload of [
      { name: "x", scopes: ["root"] },
      { name: "x", scopes: ["read"], expires: "never" },
      { name: "", scopes: ["read"] },
      { name: 5, scopes: "read" },
      { scopes: ["read"] },
      { name: "x", scopes: [] },
    ]) {
      const res = await server.app.inject({ method: "POST", url: "/api/v1/tokens", headers: auth, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toBe("validation_error");
    }
    const badId = await server.app.inject({ method: "DELETE", url: "/api/v1/tokens/abc", headers: auth });
    expect(badId.statusCode).toBe(400);
    const missing = await server.app.inject({ method: "DELETE", url: "/api/v1/tokens/999", headers: auth });
    expect(missing.statusCode).toBe(404);
  });

  it("never lets the token reach a log line", async () => {
    const { Writable } = await import("node:stream");
    const { pino } = await import("pino");
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const { redactOptions } = await import("../../src/telemetry/logger.js");
    const log = pino({ level: "info", redact: redactOptions }, sink);
    log.info(
      { req: { headers: { authorization: "Bearer secret-1" } }, token: "secret-2", password: "secret-3" },
      "x",
    );
    expect(lines.join("")).not.toMatch(/secret-/);
  });
});
