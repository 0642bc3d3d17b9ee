import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { valuePostgresTakes } from "../../src/store/dialect/postgres-text.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { allStoredRecords } from "../helpers/stored-logs.js";
import { postgresAvailable, TEST_PG_URL } from "../helpers/stores.js";

/**
 * Regression (the hostile-input fuzz's values sent to a PostgreSQL-backed server): PostgreSQL text cannot hold
 * U+0000, so a NUL in a log line, a search parameter, an alert, a user, an asset or a token name failed the
 * statement ("invalid byte sequence for encoding UTF8: 0x00") and the request answered 500. A lone surrogate
 * in a value stored as jsonb did the same ("invalid input syntax for type json"; fuzz seed 598404950).
 * SQLite keeps both.
 */

const NUL = "\u0000";

describe("valuePostgresTakes", () => {
  it("replaces U+0000 in strings, keys and JSON text, and leaves everything else as it is", () => {
    expect(valuePostgresTakes(`a${NUL}b`)).toBe("a\ufffdb");
    expect(valuePostgresTakes({ [`k${NUL}`]: [`v${NUL}`, 1, null] })).toEqual({
      "k\ufffd": ["v\ufffd", 1, null],
    });
    expect(valuePostgresTakes(JSON.stringify({ a: `x${NUL}` }))).toBe(JSON.stringify({ a: "x\ufffd" }));
    expect(valuePostgresTakes("a log line quoting \\u0000 as text")).toBe(
      "a log line quoting \\u0000 as text",
    );
    expect(valuePostgresTakes(JSON.stringify({ rule: "\udfff", ok: "\ud83d\ude00" }))).toBe(
      JSON.stringify({ rule: "\ufffd", ok: "\ud83d\ude00" }),
    );
    expect(valuePostgresTakes("a\ud800b")).toBe("a\ufffdb");
    const date = new Date(0);
    expect(valuePostgresTakes(date)).toBe(date);
    expect(valuePostgresTakes("plain")).toBe("plain");
  });
});

describe("NUL and lone surrogates in requests to a PostgreSQL-backed server", () => {
  let server: TestServer | undefined;
  let admin: pg.Client | undefined;
  const schema = `t_nul_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    if (!(await postgresAvailable())) return;
    admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = new URL(TEST_PG_URL);
    url.searchParams.set("options", `-c search_path=${schema}`);
    // The `logs` table's text columns are what cannot hold NUL (the segment store keeps a line's bytes
    // exactly, in bytea).
    server = await startTestServer({ DATABASE_URL: url.toString(), LOG_STORE: "table" });
  });
  afterAll(async () => {
    await server?.close();
    await admin?.query(`drop schema if exists ${schema} cascade`);
    await admin?.end();
  });

  it("stores NUL as U+FFFD and searches for it without a 500", async ({ skip }) => {
    if (!server) return skip();
    const call = (method: string, url: string, payload?: unknown) =>
      server!.app.inject({
        method: method as "GET",
        url,
        headers: auth,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
    const writes = [
      await call("POST", "/ingest", [
        { service: `auth${NUL}`, message: `a${NUL}b`, metadata: { k: `x${NUL}` } },
      ]),
      await call("POST", "/api/v1/alerts", [
        { alert_id: `nul${NUL}1`, severity: "high", source_ip: "1.2.3.4" },
      ]),
      await call("PUT", "/api/v1/users/a%00b", { name: `A${NUL}` }),
      await call("PUT", "/api/v1/assets/a%00b", { hostname: `h${NUL}` }),
      await call("POST", "/api/v1/tokens", { name: `t${NUL}`, scopes: ["read"] }),
    ];
    for (const res of writes) expect(res.statusCode, res.body).toBeLessThan(300);
    const reads = [
      "/api/v1/logs?q=a%00b",
      "/api/v1/anomalies?q=%00",
      "/api/v1/anomalies?entity=%00",
      "/api/v1/templates?q=%00",
      "/api/v1/logs/facets?service=%00",
      "/api/v1/alerts/a%00b",
      "/history/a%00b",
    ];
    for (const url of reads) {
      const res = await call("GET", url);
      expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
    }
    const rows = (await allStoredRecords(server.rt.logs)).map((r) => ({
      service: r.service,
      message: r.message,
      metadata: r.attributes,
    }));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.message).toBe("a\ufffdb");
    expect(rows[0]?.service).toBe("auth\ufffd");
    expect(JSON.stringify(rows[0]?.metadata)).toContain("x\ufffd");
  });
});
