import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServeProcess } from "../../helpers/cli.js";
import { fuzzServer, SEED, startFuzzServer } from "./fuzz-run.js";
import type { HostileRequest } from "./hostile-requests.js";
import { checkAnswer, isContracted5xx } from "./response-checks.js";
import { StoreWatcher } from "./store-fingerprint.js";

/**
 * Issue 17, item 2, on the default store: the fuzz (fuzz-run.ts) against `logwarden serve` on a SQLite file
 * it reads directly, so a rejected request that changed a row is caught. CI runs it with seed 1717 and
 * 3,000 runs (under 90 s); `npm run fuzz` with a random seed and 20,000.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);

let server: ServeProcess | undefined;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "logwarden-fuzz-"));
  server = await startFuzzServer({
    DATA_DIR: dataDir,
    // Inside the temporary directory, so an answer that names the checkout (/work/…) is a leak, while
    // /health's and /stats' model_dir (the configured directory, contracts §3.3) is not.
    MODEL_DIR: join(dataDir, "models"),
  });
});

afterAll(async () => {
  await server?.stop("SIGKILL");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("hostile input over every route (SQLite)", () => {
  it(
    `answers every hostile request without a 5xx, a leak, a data change or unbounded memory (seed ${SEED}, ${RUNS} runs)`,
    async () => {
      const watcher = new StoreWatcher(join(dataDir, "logwarden.db"));
      try {
        await fuzzServer(server!, RUNS, watcher);
      } finally {
        watcher.close();
      }
    },
    120_000 + RUNS * 200,
  );
});

describe("the answer checks", () => {
  const req = (operation: string, headers: Record<string, string> = {}): HostileRequest => ({
    operation,
    method: operation.split(" ")[0]!,
    url: operation.split(" ")[1]!,
    headers,
    mutations: [],
    authorized: true,
  });
  const answer = (status: number, type: string, body: string) => ({
    status,
    headers: { "content-type": type },
    body: Buffer.from(body),
    ms: 1,
  });
  const json = "application/json; charset=utf-8";

  it("flag a 5xx, a non-JSON 4xx, a stack, an internal path, a database error and /etc/passwd", () => {
    const get = req("GET /api/v1/anomalies");
    expect(checkAnswer(answer(500, json, '{"error":"x"}'), get)).toHaveLength(1);
    expect(checkAnswer(answer(400, "text/html", "<h1>bad</h1>"), get)).toHaveLength(1);
    const stack = '{"message":"boom\\n    at handler (/srv/app/src/api/routes/x.ts:12:3)"}';
    expect(checkAnswer(answer(400, json, stack), get).join(" ")).toMatch(/stack frame/);
    expect(checkAnswer(answer(404, json, '{"m":"no file /work/main/data"}'), get).join(" ")).toMatch(/path/);
    expect(checkAnswer(answer(400, json, '{"m":"SqliteError: fts5: syntax error"}'), get)).not.toEqual([]);
    const passwd = "root:x:0:0:root:/root:/bin/bash\n";
    expect(
      checkAnswer(answer(200, "application/octet-stream", passwd), req("GET /assets/{file}")),
    ).toHaveLength(1);
    expect(checkAnswer(answer(200, json, '{"items":[]}'), get)).toEqual([]);
  });

  it("take the contracts' own 5xx and OTLP's protobuf errors", () => {
    const body = { error: "Internal server error", details: "could not parse the query: x", status: "error" };
    const anomalies = req("POST /anomalies");
    expect(isContracted5xx(answer(500, json, JSON.stringify(body)), anomalies.operation)).toBe(true);
    expect(checkAnswer(answer(500, json, JSON.stringify(body)), anomalies)).toEqual([]);
    expect(
      isContracted5xx(answer(500, json, JSON.stringify({ ...body, details: "boom" })), "POST /anomalies"),
    ).toBe(false);
    const otlp = req("POST /v1/logs", { "content-type": "application/x-protobuf" });
    expect(checkAnswer(answer(400, "application/x-protobuf", "\u0008\u0003"), otlp)).toEqual([]);
  });
});
