import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { ServeProcess } from "../../helpers/cli.js";
import { createTestSchema, dropTestSchemas, postgresAvailable } from "../../helpers/stores.js";
import { fuzzServer, SEED, startFuzzServer } from "./fuzz-run.js";

/**
 * The fuzz against `logwarden serve` on PostgreSQL (a schema of its own, dropped after): what PostgreSQL
 * refuses and SQLite takes (U+0000, ids past int4) surfaced as 500s only here. The store is not read
 * directly, so rejected requests are checked for their answers, not for row changes (the SQLite leg does
 * that). Skips with a message without PostgreSQL, fails in CI (`CI=true`) like the other PostgreSQL tests.
 */
const RUNS = Number(process.env.FUZZ_PG_RUNS ?? process.env.FUZZ_RUNS ?? 3000);
const schema = `fuzz_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

let server: ServeProcess | undefined;
let dataDir: string | undefined;

beforeAll(async () => {
  if (!(await postgresAvailable())) return;
  const url = await createTestSchema(schema);
  dataDir = mkdtempSync(join(tmpdir(), "logwarden-fuzz-pg-"));
  server = await startFuzzServer({
    DATABASE_URL: url.toString(),
    DATA_DIR: dataDir,
    MODEL_DIR: join(dataDir, "models"),
  });
});

afterAll(async () => {
  await server?.stop("SIGKILL");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (server) await dropTestSchemas(schema);
});

describe("hostile input over every route (PostgreSQL)", () => {
  it(
    `answers every hostile request without a 5xx, a leak or unbounded memory (seed ${SEED}, ${RUNS} runs)`,
    async ({ skip }) => {
      if (!server) return skip();
      await fuzzServer(server, RUNS, null);
    },
    120_000 + RUNS * 200,
  );
});
