import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/source-schema.js";
import type { LogRecord } from "../../src/core/log-record.js";
import type { Source } from "../../src/core/source.js";
import { sourceContext } from "../../src/runtime/source-runner.js";
import { createSources, sourceTypes } from "../../src/sources/registry.js";
import type { SyslogSource } from "../../src/sources/syslog/index.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { createTestSchema, postgresAvailable, TEST_PG_URL } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The source conformance suite: every source type of the registry (a type without a feed here fails the
 * first test), built from its schema by createSources, starts against the real pipeline and store
 * (SQLite, and PostgreSQL), delivers what its input holds as records of the normalised model, counts
 * them, stops cleanly, and a new instance after the stop goes on without repeating or losing a line.
 */
interface Feed {
  config: Record<string, unknown>;
  /** Writes these messages into the source's input. */
  write(source: Source, messages: string[]): Promise<void>;
  /** What the source says every record of this feed is: service, host, attributes it adds. */
  expected: Partial<LogRecord> & { service: string };
  /** Whether a new instance resumes from a saved position (a listener has none to resume from). */
  resumes: boolean;
  close(): Promise<void>;
}

const pgUp = await postgresAvailable();
const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

const FEEDS: Record<string, (() => Promise<Feed>) | null> = {
  syslog: async () => ({
    config: { type: "syslog", name: "conformance-syslog", port: 0, protocols: ["tcp"] },
    write: async (source, messages) => {
      const port = (source as SyslogSource).ports().tcp!;
      const socket = connect(port, "127.0.0.1");
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      const lines = messages.map(
        (m, i) => `<86>1 2026-03-03T10:00:${String(i % 60).padStart(2, "0")}.000Z web-7 sshd 4242 - - ${m}\n`,
      );
      await new Promise<void>((resolve) => socket.end(lines.join(""), resolve));
    },
    expected: {
      service: "sshd",
      resource: { "service.name": "sshd", "host.name": "web-7" },
      attributes: { "network.transport": "tcp" },
    },
    resumes: false,
    close: async () => {},
  }),
  file: async () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-conformance-"));
    const path = join(dir, "app.log");
    appendFileSync(path, "");
    return {
      config: { type: "file", name: "conformance-file", paths: [path], pollMs: 20, chunkBytes: 4096 },
      write: async (_, messages) =>
        appendFileSync(
          path,
          messages
            .map((m, i) => `2026-03-03T10:00:${String(i % 60).padStart(2, "0")}Z ERROR ${m}\n`)
            .join(""),
        ),
      expected: {
        service: "app.log",
        attributes: { "log.file.path": path, "logwarden.source": "conformance-file" },
        severityText: "ERROR",
      },
      resumes: true,
      close: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  postgres: pgUp
    ? async () => {
        const schema = `src_conf_${suffix}`;
        const admin = new pg.Client({ connectionString: TEST_PG_URL });
        await admin.connect();
        await admin.query(`create schema ${schema}`);
        await admin.query(
          `create table ${schema}.app_logs (id bigserial primary key, logged_at timestamptz, program text, host text, message text)`,
        );
        return {
          config: {
            type: "postgres",
            name: "conformance-postgres",
            url: TEST_PG_URL,
            table: `${schema}.app_logs`,
            columns: { timestamp: "logged_at", program: "program", host: "host", message: "message" },
            cursor: { column: "id", kind: "id" },
            pollSecs: 0.05,
            batchRows: 7,
          },
          write: async (_, messages) => {
            for (const m of messages)
              await admin.query(
                `insert into ${schema}.app_logs (logged_at, program, host, message) values ('2026-03-03T10:00:00Z', 'billing', 'db-2', $1)`,
                [m],
              );
          },
          expected: {
            service: "billing",
            resource: { "service.name": "billing", "host.name": "db-2" },
            attributes: { "logwarden.source": "conformance-postgres" },
          },
          resumes: true,
          close: async () => {
            await admin.query(`drop schema if exists ${schema} cascade`);
            await admin.end();
          },
        };
      }
    : null,
};

it("has a conformance feed for every registered source type", () => {
  expect(sourceTypes().sort()).toEqual(Object.keys(FEEDS).sort());
});

const STORES = [
  { name: "sqlite", env: async () => ({}), drop: async () => {} },
  {
    name: "postgres",
    env: async () => ({ DATABASE_URL: (await createTestSchema(`t_src_${suffix}`)).toString() }),
    // After the server has closed (it saves its state at close): drops the store's schema.
    drop: async () => {
      const admin = new pg.Client({ connectionString: TEST_PG_URL });
      await admin.connect();
      await admin.query(`drop schema if exists t_src_${suffix} cascade`);
      await admin.end();
    },
  },
] as const;

describe.each(STORES)("sources into the pipeline on $name", (store) => {
  const skip = store.name === "postgres" && !pgUp;
  let server: TestServer;
  beforeAll(async () => {
    if (skip) return;
    server = await startTestServer(await store.env());
  });
  afterAll(async () => {
    if (skip) return;
    await server.close();
    await store.drop();
  });

  describe.each(sourceTypes())("source %s", (type) => {
    const open = FEEDS[type];
    it.skipIf(skip || !open)(
      "starts, delivers normalised records, counts them, stops, and resumes",
      async () => {
        const feed = await open!();
        const tag = `${store.name}-${type}-${suffix}`;
        const built = () => {
          const [source] = createSources([sourceSchema.parse(feed.config)]);
          expect(source).toMatchObject({ type, name: feed.config.name });
          return source!;
        };
        const captured: LogRecord[] = [];
        const start = async (source: Source) => {
          const ctx = sourceContext(server.rt, source.name);
          await source.start({
            ...ctx,
            submit: async (records, submission) => {
              await ctx.submit(records, submission);
              captured.push(...records);
            },
          });
          await waitFor(() => source.state() === "ok", `${type} source ok`);
        };
        try {
          const first = built();
          expect(first.state()).toBe("stopped");
          expect(first.counters()).toEqual(expect.objectContaining({ records: 0, failedSubmissions: 0 }));
          await start(first);
          const batch1 = Array.from({ length: 12 }, (_, i) => `${tag} first ${i} Failed password for root`);
          await feed.write(first, batch1);
          await waitFor(
            () => first.counters().records >= batch1.length,
            `${type}: ${batch1.length} records counted`,
          );
          expect(first.counters()).toMatchObject({ records: batch1.length, failedSubmissions: 0 });
          for (const value of Object.values(first.counters())) expect(Number.isInteger(value)).toBe(true);
          for (const [i, r] of captured.entries()) {
            expect(r.body, `record ${i}`).toContain(batch1[i]!);
            expect(r.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
            expect(r.observedTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
            expect(r.severityNumber).toBeGreaterThanOrEqual(0);
            expect(r.severityNumber).toBeLessThanOrEqual(24);
            expect(r.resource["service.name"]).toBe(feed.expected.service);
            const { service: _, ...rest } = feed.expected;
            expect(r).toMatchObject(rest);
            expect(JSON.parse(JSON.stringify(r))).toEqual(r);
          }
          await first.stop();
          expect(first.state()).toBe("stopped");

          if (feed.resumes) {
            // Written while no instance runs: the next one picks up at the saved position, nothing twice.
            const batch2 = Array.from(
              { length: 5 },
              (_, i) => `${tag} second ${i} Accepted password for bob`,
            );
            await feed.write(first, batch2);
            const second = built();
            await start(second);
            await waitFor(
              () => second.counters().records >= batch2.length,
              `${type}: resumed records counted`,
            );
            await second.stop();
            expect(second.counters()).toMatchObject({ records: batch2.length, failedSubmissions: 0 });
            expect(captured.map((r) => r.body.slice(r.body.indexOf(tag)))).toEqual([...batch1, ...batch2]);
          }
          // Read through the configured log store (segments, the default for a new database).
          const rows = await server.rt.logs.search({ text: tag }, { limit: 1_000 });
          expect(rows.filter((r) => r.message.includes(tag)).length).toBe(captured.length);
        } finally {
          await feed.close();
        }
      },
    );
  });
});
