import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SubmissionRef } from "../../src/core/source.js";
import { sourceContext } from "../../src/runtime/source-runner.js";
import { FileSource } from "../../src/sources/file/index.js";
import { PostgresSource } from "../../src/sources/postgres/index.js";
import { committedSubmission } from "../../src/store/repos/ingest-batches.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { postgresAvailable, TEST_PG_URL } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Issue 45 item 2, the sources: a file or PostgreSQL source names each submission by what it read
 * (`SubmissionRef.key`, src/sources/read-key.ts), and after a crash left a submission unsettled it reads
 * that range again as it was read, so the submission gets the crashed one's key even when more was
 * written since. A cluster node hands records off under message ids derived from that key: the
 * partitions' owners then drop the copy they committed (test/cluster/idempotent-resend.test.ts covers
 * the hand-off). The records go through the real pipeline on a SQLite file; the test only watches the
 * keys on their way.
 */

let server: TestServer;
let dir: string;
let stopSource: (() => Promise<void>) | undefined;
const seen: { key: string | undefined; bodies: string[] }[] = [];

beforeEach(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), "lw-read-key-"));
  seen.length = 0;
});

afterEach(async () => {
  await stopSource?.();
  stopSource = undefined;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `source` on the runtime's own context, noting each submission's key and records. */
async function run(source: FileSource | PostgresSource): Promise<void> {
  const ctx = sourceContext(server.rt, source.name);
  const submit = ctx.submit;
  await source.start({
    ...ctx,
    submit: async (records, submission?: SubmissionRef) => {
      // Read before the pipeline has the records, as a cluster node's hand-off reads it.
      const noted = { key: submission?.key, bodies: records.map((r) => r.body) };
      await submit(records, submission);
      seen.push(noted);
    },
  });
  stopSource = () => source.stop();
}

const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line-${from + i} happened`);

/** Rewrites a source's one checkpoint as a crash right after submitting `pending` would have left it. */
async function crashAfterSubmitting(prefix: string, crashed: (cp: Record<string, unknown>) => object) {
  const rows = await server.rt.store.db
    .selectFrom("state")
    .selectAll()
    .where("key", "like", `${prefix}%`)
    .execute();
  expect(rows).toHaveLength(1);
  await server.rt.store.db
    .updateTable("state")
    .set({ value: JSON.stringify(crashed(JSON.parse(rows[0]!.value) as Record<string, unknown>)) })
    .where("key", "=", rows[0]!.key)
    .execute();
}

describe("a file source's submission keys", () => {
  it("are the same for the same range read again after a crash, even when the file grew", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, `${lines(1, 4).join("\n")}\n`);
    await run(
      new FileSource("files", {
        type: "file",
        paths: [file],
        startAt: "beginning",
        pollMs: 20,
        chunkBytes: 4096,
      }),
    );
    await waitFor(() => seen.length >= 1, "the first submission");
    await stopSource!();
    stopSource = undefined;
    const first = seen[0]!;
    expect(first.bodies).toEqual(lines(1, 4));
    expect(first.key).toMatch(/^file:files:/);

    // As a cluster node killed after handing lines 1-4 off leaves it: the intent saved, the offset not,
    // and no watermark (a cluster's partitions commit on other nodes). Then the file grows.
    const committed = await committedSubmission(server.rt.store.db, "file:files");
    await crashAfterSubmitting("source:file:files:", (cp) => ({
      ...cp,
      offset: 0,
      pending: { to: cp.offset, submission: committed + 1 },
    }));
    appendFileSync(file, `${lines(5, 6).join("\n")}\n`);
    seen.length = 0;
    await run(
      new FileSource("files", {
        type: "file",
        paths: [file],
        startAt: "beginning",
        pollMs: 20,
        chunkBytes: 4096,
      }),
    );
    await waitFor(() => seen.length >= 2, "the range read again, then the new lines");
    expect(seen[0]).toEqual(first);
    expect(seen[1]!.bodies).toEqual(lines(5, 6));
    expect(seen[1]!.key).not.toBe(first.key);
  });

  it("differ for other lines at the same offsets (a file truncated and written again)", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, `${lines(1, 2).join("\n")}\n`);
    const source = new FileSource("files", {
      type: "file",
      paths: [file],
      startAt: "beginning",
      pollMs: 20,
      chunkBytes: 4096,
    });
    await run(source);
    await waitFor(() => seen.length >= 1, "the first submission");
    truncateSync(file, 0);
    const passes = source.passes;
    await waitFor(() => source.passes >= passes + 2, "the truncation seen");
    writeFileSync(file, `${lines(1, 2).join("\n").replaceAll("line", "LINE")}\n`);
    await waitFor(() => seen.length >= 2, "the rewritten file read");
    expect(seen[1]!.bodies).toEqual(["LINE-1 happened", "LINE-2 happened"]);
    expect(seen[1]!.key).not.toBe(seen[0]!.key);
  });
});

const pgAvailable = await postgresAvailable();

describe.skipIf(!pgAvailable)("a PostgreSQL source's submission keys", () => {
  it("are the same for the poll read again after a crash, even when rows were added", async () => {
    const schema = `rk_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      await admin.query(`create schema ${schema}`);
      await admin.query(
        `create table ${schema}.app_logs (id bigserial primary key, logged_at timestamptz, program text, host text, message text)`,
      );
      const insert = async (...messages: string[]) => {
        for (const m of messages)
          await admin.query(
            `insert into ${schema}.app_logs (logged_at, program, host, message) values (now(), 'sshd', 'h', $1)`,
            [m],
          );
      };
      const source = () =>
        new PostgresSource("pg", {
          type: "postgres",
          url: TEST_PG_URL,
          table: `${schema}.app_logs`,
          columns: { timestamp: "logged_at", program: "program", host: "host", message: "message" },
          cursor: { column: "id", kind: "id" },
          pollSecs: 0.05,
          batchRows: 10,
        });
      await insert("row-1", "row-2", "row-3");
      await run(source());
      await waitFor(() => seen.length >= 1, "the first poll");
      await stopSource!();
      stopSource = undefined;
      const first = seen[0]!;
      expect(first.bodies).toEqual(["row-1", "row-2", "row-3"]);

      const committed = await committedSubmission(server.rt.store.db, "postgres:pg");
      await crashAfterSubmitting("source:postgres:pg", (cp) => ({
        cursor: null,
        pending: { to: cp.cursor, submission: committed + 1 },
      }));
      // The first poll read three rows of a batch of ten: unbounded, a poll now would read five.
      await insert("row-4", "row-5");
      seen.length = 0;
      await run(source());
      await waitFor(() => seen.length >= 2, "the poll read again, then the new rows");
      expect(seen[0]).toEqual(first);
      expect(seen[1]!.bodies).toEqual(["row-4", "row-5"]);
    } finally {
      await stopSource?.();
      stopSource = undefined;
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  });
});
