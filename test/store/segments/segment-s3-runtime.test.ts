import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load.js";
import { openLogStore } from "../../../src/runtime/open-log-store.js";
import { s3ObjectStore } from "../../../src/store/segments/s3-objects.js";
import { lineToAppend } from "../../helpers/records.js";
import { startS3Server, type TestS3Server } from "../../helpers/s3-server.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../../helpers/stores.js";
import { waitFor } from "../../helpers/wait.js";

const silent = pino({ level: "silent" });
let s3: TestS3Server | null = null;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});

/** `serve`'s settings from the environment, as an operator writes them: segments in the test bucket. */
function s3Config({ url }: TestStore, prefix: string, bucket = s3!.bucket) {
  return loadConfig({
    env: {
      ...(url.startsWith("postgres") ? { DATABASE_URL: url } : { SQLITE_DB_PATH: url }),
      LOG_STORE: "segments",
      LOG_SEAL_AFTER_SECS: "1",
      SEGMENT_STORAGE: "s3",
      S3_ENDPOINT: s3!.endpoint,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      S3_PREFIX: prefix,
    },
  });
}

const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();

// The sealing thread and the read threads start from the settings alone (structured-cloned): a thread
// that did not get them would seal into the rows, or refuse to read an object.
describe.each(DIALECTS)("SEGMENT_STORAGE=s3 through the runtime ($name)", ({ open, needsPostgres }) => {
  it("the sealing thread seals into the bucket and the read threads read it back", async (ctx) => {
    if (!s3 || (needsPostgres && !(await postgresAvailable()))) return ctx.skip();
    const test = await open();
    const prefix = `rt-${process.pid}-${Math.random().toString(36).slice(2, 8)}/`;
    const opened = await openLogStore(s3Config(test, prefix), test.store, silent);
    try {
      const lines = Array.from({ length: 500 }, (_, i) => lineToAppend(hourAgo(), `line ${i} of the s3 run`));
      const refs = await test.store.transaction((tx) => opened.logs.append(tx, lines, hourAgo()));
      const logs = opened.logs as Required<typeof opened.logs>;
      await waitFor(async () => (await logs.sealingStats()).unsealedLines === 0, "the batch to be sealed");
      const rows = await test.store.db.selectFrom("log_segments").select(["object_key", "data"]).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.data.length).toBe(0);
      const keys: string[] = [];
      for await (const page of s3ObjectStore({
        ...s3Config(test, prefix).logStore.s3,
        bucket: s3.bucket,
      }).list(prefix))
        keys.push(...page.map((o) => o.key));
      expect(keys).toEqual([rows[0]!.object_key]);
      // search runs on a read thread; get on this one.
      const found = await logs.search({ text: "s3 run" }, { limit: 1_000 });
      expect(found).toHaveLength(500);
      expect((await logs.get([refs[0]!, refs[499]!])).map((r) => r.message)).toEqual([
        "line 0 of the s3 run",
        "line 499 of the s3 run",
      ]);
    } finally {
      await opened.stop();
      await test.cleanup();
    }
  });

  it("refuses to start when the bucket does not answer, saying which and why", async (ctx) => {
    if (!s3 || (needsPostgres && !(await postgresAvailable()))) return ctx.skip();
    const test = await open();
    try {
      await expect(openLogStore(s3Config(test, "x/", "no-such-bucket"), test.store, silent)).rejects.toThrow(
        /SEGMENT_STORAGE=s3: bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+ does not answer: no such bucket \(HTTP 404\)/,
      );
    } finally {
      await test.cleanup();
    }
  });
});
