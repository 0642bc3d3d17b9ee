import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isoUtc } from "../../src/core/time.js";
import { createToken } from "../../src/store/repos/tokens.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { rootShellRule, writeRulesDir } from "../helpers/sigma-test-rules.js";

const SHELL_ID = "0b6f3c1e-2a4d-4e8f-9c1a-5d7e8f9a0b11";
const SU_ID = "0b6f3c1e-2a4d-4e8f-9c1a-5d7e8f9a0b12";
const SU_BURST_ID = "0b6f3c1e-2a4d-4e8f-9c1a-5d7e8f9a0b13";

const RULES = {
  "root_shell.yml": rootShellRule({ id: SHELL_ID }),
  "su_attempt.yml": `title: Switch User Attempt
id: ${SU_ID}
name: test_su_attempt
status: test
logsource:
    product: linux
    service: sshd
detection:
    keywords:
        - 'switch user attempt'
    condition: keywords
level: low
`,
  "su_burst.yml": `title: Switch User Attempts
id: ${SU_BURST_ID}
status: test
correlation:
    type: event_count
    rules:
        - test_su_attempt
    timespan: 5m
    condition:
        gte: 2
level: medium
`,
};

interface Rule {
  id: string;
  enabled: boolean;
  hits: number;
  standalone: boolean;
}

let server: TestServer | undefined;
let rulesDir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  rulesDir = undefined;
});

let second = 0;
async function ingest(s: TestServer, message: string, count = 1): Promise<void> {
  const payload = Array.from({ length: count }, () => ({
    timestamp: new Date(Date.UTC(2026, 2, 3, 12, 0, second++)).toISOString(),
    service: "sshd",
    host: "web1",
    message,
  }));
  const res = await s.app.inject({ method: "POST", url: "/ingest", headers: auth, payload });
  expect(res.statusCode, res.body).toBeLessThan(300);
}

/** The rule titles of the stored sigma findings, sorted (undefined: none). */
async function sigmaTitles(s: TestServer): Promise<string[] | undefined> {
  const res = await s.app.inject({ url: "/api/v1/anomalies?agent_name=sigma&limit=100", headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  const titles = (res.json() as { features: { rule_title: string } }[]).map((a) => a.features.rule_title);
  return titles.length === 0 ? undefined : titles.sort();
}

async function rules(s: TestServer): Promise<Map<string, Rule>> {
  const res = await s.app.inject({ url: "/api/v1/rules", headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  return new Map((res.json() as { rules: Rule[] }).rules.map((r) => [r.id, r]));
}

function patch(s: TestServer, id: string, body: unknown, headers: Record<string, string> = auth) {
  return s.app.inject({
    method: "PATCH",
    url: `/api/v1/rules/${encodeURIComponent(id)}`,
    headers,
    payload: body as Record<string, unknown>,
  });
}

describe("PATCH /api/v1/rules/{id}", () => {
  it("a disabled rule raises nothing and counts no hit, enabled again it does; kept across a restart; audited", async () => {
    rulesDir = writeRulesDir(RULES);
    server = await startTestServer({ SIGMA_RULES_DIR: rulesDir });
    expect((await rules(server)).get(SHELL_ID)).toMatchObject({ enabled: true, hits: 0 });

    const off = await patch(server, SHELL_ID, { enabled: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ id: SHELL_ID, enabled: false, hits: 0 });
    await ingest(server, "root shell opened for admin from 203.0.113.9");
    expect(await sigmaTitles(server)).toBeUndefined();
    expect((await rules(server)).get(SHELL_ID)).toMatchObject({ enabled: false, hits: 0 });

    // A disabled detection rule feeds its correlation nothing.
    expect((await patch(server, SU_ID, { enabled: false })).statusCode).toBe(200);
    await ingest(server, "switch user attempt by bob", 3);
    expect(await sigmaTitles(server)).toBeUndefined();
    const listed = await rules(server);
    expect(listed.get(SU_ID)).toMatchObject({ enabled: false, hits: 0, standalone: false });
    expect(listed.get(SU_BURST_ID)).toMatchObject({ enabled: true, hits: 0 });

    // A restart keeps both switched off.
    const dataDir = server.dataDir;
    await server.close(false);
    server = await startTestServer({ SIGMA_RULES_DIR: rulesDir }, { dataDir });
    const restarted = await rules(server);
    expect(restarted.get(SHELL_ID)?.enabled).toBe(false);
    expect(restarted.get(SU_ID)?.enabled).toBe(false);
    await ingest(server, "root shell opened for admin from 203.0.113.9");
    expect(await sigmaTitles(server)).toBeUndefined();

    const on = await patch(server, SHELL_ID, { enabled: true });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toMatchObject({ enabled: true });
    expect((await patch(server, SU_ID, { enabled: true })).statusCode).toBe(200);
    await ingest(server, "root shell opened for admin from 203.0.113.9");
    await ingest(server, "switch user attempt by bob", 2);
    expect(await sigmaTitles(server)).toEqual(["Root Shell Opened Over SSH", "Switch User Attempts"]);
    const after = await rules(server);
    expect(after.get(SHELL_ID)).toMatchObject({ enabled: true, hits: 1 });
    expect(after.get(SU_ID)).toMatchObject({ enabled: true, hits: 2 });
    expect(after.get(SU_BURST_ID)).toMatchObject({ hits: 1 });

    const audit = await server.rt.store.db
      .selectFrom("audit_logs")
      .select(["action", "target", "actor"])
      .where("action", "like", "sigma_rule.%")
      .orderBy("id")
      .execute();
    expect(audit).toEqual([
      { action: "sigma_rule.disable", target: `sigma_rule:${SHELL_ID}`, actor: "API_TOKEN" },
      { action: "sigma_rule.disable", target: `sigma_rule:${SU_ID}`, actor: "API_TOKEN" },
      { action: "sigma_rule.enable", target: `sigma_rule:${SHELL_ID}`, actor: "API_TOKEN" },
      { action: "sigma_rule.enable", target: `sigma_rule:${SU_ID}`, actor: "API_TOKEN" },
    ]);
    // Asking for the state a rule already has changes nothing and audits nothing.
    expect((await patch(server, SHELL_ID, { enabled: true })).statusCode).toBe(200);
    const count = await server.rt.store.db
      .selectFrom("audit_logs")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("action", "like", "sigma_rule.%")
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(4);
  });

  it("answers 404 for an unknown id, 400 for a bad body, 403 without admin", async () => {
    rulesDir = mkdtempSync(join(tmpdir(), "lw-rules-toggle-"));
    for (const [file, text] of Object.entries(RULES)) writeFileSync(join(rulesDir, file), text);
    server = await startTestServer({ SIGMA_RULES_DIR: rulesDir });
    const unknown = await patch(server, "no-such-rule", { enabled: false });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({
      error: "not_found",
      message: "no Sigma rule no-such-rule is loaded",
    });
    for (const body of [{}, { enabled: "no" }, { enabled: false, extra: 1 }]) {
      const bad = await patch(server, SHELL_ID, body);
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
      expect(bad.json()).toMatchObject({ error: "validation_error" });
    }
    const read = (await createToken(server.rt.store.db, "reader", ["read"], isoUtc(Date.now()))).token;
    const forbidden = await patch(server, SHELL_ID, { enabled: false }, { authorization: `Bearer ${read}` });
    expect(forbidden.statusCode).toBe(403);
    expect((await rules(server)).get(SHELL_ID)?.enabled).toBe(true);
  });

  it("answers 404 when no rules folder is configured", async () => {
    server = await startTestServer();
    const res = await patch(server, SHELL_ID, { enabled: false });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: "not_found" });
  });
});
