import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { auth, startTestServer } from "../helpers/runtime.js";
import { rootShellRule, writeRulesDir } from "../helpers/sigma-test-rules.js";
import { createTestSchema, dropTestSchemas, postgresAvailable } from "../helpers/stores.js";

const SHELL_ID = "0b6f3c1e-2a4d-4e8f-9c1a-5d7e8f9a0b31";
const RULE = rootShellRule({ id: SHELL_ID });

const schema = `t_rules_days_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const stores: { name: string; env: () => Promise<Record<string, string> | null> }[] = [
  { name: "SQLite", env: async () => ({}) },
  {
    name: "PostgreSQL",
    env: async () => {
      if (!(await postgresAvailable())) return null;
      return { DATABASE_URL: (await createTestSchema(schema)).toString() };
    },
  },
];

afterAll(async () => {
  if (await postgresAvailable()) await dropTestSchemas(schema);
});

describe.each(stores)("GET /api/v1/rules/findings-per-day on $name", ({ env }) => {
  it("counts stored sigma findings per rule and UTC day of first sighting", async ({ skip }) => {
    const vars = await env();
    if (!vars) return skip();
    const rulesDir = writeRulesDir({ "root_shell.yml": RULE });
    const server = await startTestServer({ ...vars, SIGMA_RULES_DIR: rulesDir });
    try {
      const now = Date.now();
      const line = (host: string, at: number) => ({
        timestamp: new Date(at).toISOString(),
        service: "sshd",
        host,
        message: "root shell opened for admin from 203.0.113.9",
      });
      // Two matches today (merged by the store into one finding: it counts once), one two days ago, one
      // long before the window.
      const res = await server.app.inject({
        method: "POST",
        url: "/ingest",
        headers: auth,
        payload: [
          line("old", now - 30 * 86_400_000),
          line("web3", now - 2 * 86_400_000),
          line("web1", now - 1000),
          line("web2", now - 500),
        ],
      });
      expect(res.statusCode, res.body).toBeLessThan(300);

      const got = await server.app.inject({ url: "/api/v1/rules/findings-per-day?days=7", headers: auth });
      expect(got.statusCode, got.body).toBe(200);
      const body = got.json() as { days: string[]; rules: Record<string, number[]> };
      const today = new Date(now).toISOString().slice(0, 10);
      expect(body.days).toHaveLength(7);
      expect(body.days.at(-1)).toBe(today);
      expect(body.days[4]).toBe(new Date(now - 2 * 86_400_000).toISOString().slice(0, 10));
      expect(body.rules).toEqual({ [SHELL_ID]: [0, 0, 0, 0, 1, 0, 1] });

      const fallback = await server.app.inject({ url: "/api/v1/rules/findings-per-day", headers: auth });
      expect((fallback.json() as { days: string[] }).days).toHaveLength(14);
      for (const bad of ["0", "91", "x"]) {
        const r = await server.app.inject({
          url: `/api/v1/rules/findings-per-day?days=${bad}`,
          headers: auth,
        });
        expect(r.statusCode, bad).toBe(400);
      }
    } finally {
      await server.close();
      rmSync(rulesDir, { recursive: true, force: true });
    }
  });
});
