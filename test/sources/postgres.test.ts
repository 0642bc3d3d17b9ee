import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PostgresSourceConfig } from "../../src/config/source-schema.js";
import { type RunningSources, startSources } from "../../src/runtime/source-runner.js";
import { PostgresSource, probePostgresSource, readOnlyPool } from "../../src/sources/postgres/index.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { allStoredRecords, asTableRow } from "../helpers/stored-logs.js";
import { postgresAvailable, TEST_PG_URL } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

const available = await postgresAvailable();
const schema = `src_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
let admin: pg.Client;
let server: TestServer;
let running: RunningSources | undefined;

function config(extra: Partial<PostgresSourceConfig> = {}): PostgresSourceConfig {
  return {
    type: "postgres",
    url: TEST_PG_URL,
    table: `${schema}.app_logs`,
    columns: { timestamp: "logged_at", program: "program", host: "host", message: "message", level: "level" },
    cursor: { column: "id", kind: "id" },
    pollSecs: 0.05,
    batchRows: 2,
    ...extra,
  };
}

async function insert(...messages: string[]) {
  for (const m of messages)
    await admin.query(
      `insert into ${schema}.app_logs (logged_at, program, host, level, message, extra) values ($1, 'sshd', 'db-host', 'error', $2, 7)`,
      ["2026-02-01T09:30:00Z", m],
    );
}

async function stored(): Promise<string[]> {
  return (await allStoredRecords(server.rt.logs)).map((r) => r.message);
}

/**
 * Waits until a whole poll has begun and ended since now (the one under way may have begun before): every
 * row the table held by then has been read and stored, so a row read twice would be there.
 */
async function settled(source: PostgresSource): Promise<void> {
  const from = source.polls;
  await waitFor(() => source.polls >= from + 2, "two more polls of the PostgreSQL source");
}

describe.skipIf(!available)("PostgreSQL source (system 000), against the real server", () => {
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.query(
      `create table ${schema}.app_logs (id bigserial primary key, logged_at timestamptz, program text, host text, level text, message text, extra int)`,
    );
    server = await startTestServer();
  });

  afterAll(async () => {
    await running?.stop();
    await server?.close();
    await admin?.query(`drop schema if exists ${schema} cascade`);
    await admin?.end();
  });

  it("delivers each row once, then only the new rows, and resumes from the stored cursor", async () => {
    await insert("row-1 Failed password", "row-2 Failed password", "row-3 Failed password");
    let source = new PostgresSource("source_postgres", config());
    running = await startSources(server.rt, [source]);
    await waitFor(async () => (await stored()).length >= 3, "the first three rows");
    await insert("row-4 Accepted password", "row-5 Accepted password");
    await waitFor(async () => (await stored()).length >= 5, "the two new rows");
    await settled(source);
    expect(await stored()).toEqual([
      "row-1 Failed password",
      "row-2 Failed password",
      "row-3 Failed password",
      "row-4 Accepted password",
      "row-5 Accepted password",
    ]);
    const row = asTableRow((await allStoredRecords(server.rt.logs))[0]!);
    expect(row).toMatchObject({
      service: "sshd",
      host: "db-host",
      level: "error",
      timestamp: "2026-02-01T09:30:00.000Z",
    });
    expect(JSON.parse(row.metadata)).toMatchObject({
      extra: 7,
      "db.cursor": "1",
      "logwarden.source": "source_postgres",
    });

    await running.stop();
    await insert("row-6 while stopped");
    source = new PostgresSource("source_postgres", config());
    running = await startSources(server.rt, [source]);
    await waitFor(async () => (await stored()).length >= 6, "the row written while stopped");
    await settled(source);
    expect((await stored()).slice(5)).toEqual(["row-6 while stopped"]);
  });

  it("polls a configured query with a timestamp cursor", async () => {
    await running?.stop();
    running = undefined;
    const before = (await stored()).length;
    const source = new PostgresSource(
      "pg_query",
      config({
        query: `select id, logged_at, program, host, level, message from ${schema}.app_logs where program = 'sshd'`,
        cursor: { column: "logged_at", kind: "timestamp" },
        batchRows: 100,
      }),
    );
    running = await startSources(server.rt, [source]);
    await waitFor(async () => (await stored()).length >= before + 6, "all rows through the query");
    await admin.query(
      `insert into ${schema}.app_logs (logged_at, program, message) values ('2026-02-01T10:00:00Z', 'sshd', 'row-7 later')`,
    );
    await waitFor(async () => (await stored()).length >= before + 7, "the later row");
    await settled(source);
    expect((await stored()).slice(before + 6)).toEqual(["row-7 later"]);
  });

  it("cannot write through its connection, and reports health", async () => {
    const pool = await readOnlyPool(TEST_PG_URL, 1);
    try {
      await expect(pool.query(`insert into ${schema}.app_logs (message) values ('sneaky')`)).rejects.toThrow(
        /read-only transaction/,
      );
      await expect(pool.query(`create table ${schema}.nope (x int)`)).rejects.toThrow(
        /read-only transaction/,
      );
    } finally {
      await pool.end();
    }
    const { rows } = await admin.query(
      `select count(*)::int as n from ${schema}.app_logs where message = 'sneaky'`,
    );
    expect(rows[0].n).toBe(0);
    expect(await probePostgresSource(config())).toBe("ok");
    expect(await probePostgresSource(config({ table: `${schema}.missing` }))).toBe("error");

    const withSource = await startTestServer({
      SOURCE_PG_URL: TEST_PG_URL,
      SOURCE_PG_TABLE: `${schema}.app_logs`,
    });
    try {
      const res = await withSource.app.inject({ url: "/health" });
      expect(res.json().checks.source_postgres).toBe("ok");
    } finally {
      await withSource.close();
    }
    const broken = await startTestServer({ SOURCE_PG_URL: "postgres://nobody:wrong@127.0.0.1:1/none" });
    try {
      const res = await broken.app.inject({ url: "/health" });
      expect(res.statusCode).toBe(200);
      expect(res.json().checks.source_postgres).toBe("error");
    } finally {
      await broken.close();
    }
  });
});
