import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServeProcess, startServe } from "../../helpers/cli.js";
import { type OpenApiDocument, type Operation, operationsOf } from "../openapi-operations.js";
import { HIDDEN_OPERATIONS } from "./hidden-operations.js";
import { type HostileRequest, hostileRequests, type KnownIds } from "./hostile-requests.js";
import { type Outcome, send } from "./http-send.js";
import { describe as describeBody, toBytes } from "./json-text.js";
import { checkAnswer, isContracted5xx, rssMiB } from "./response-checks.js";
import { seedStore } from "./seed-store.js";
import { differences, StoreWatcher } from "./store-fingerprint.js";

/**
 * Issue 17, item 2: requests generated from the live /openapi.json and made hostile (fast-check), sent to a
 * real `logwarden serve` with an admin token and without one. Every answer must be under 500, JSON when 4xx,
 * free of stack traces and internal paths; a rejected request must leave the store as it was; the server's
 * resident memory must stay under RSS_BOUND_MIB. `FUZZ_SEED` (a number, or `random`) and `FUZZ_RUNS` replay
 * or lengthen a run; `FUZZ_OPERATION` keeps only operations whose `METHOD /path` contains it.
 */
const SEED =
  process.env.FUZZ_SEED === "random"
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED ?? 1717);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const ONLY = process.env.FUZZ_OPERATION;
const ADMIN_TOKEN = "fuzz-admin-token";
const REQUEST_TIMEOUT_MS = 15_000;
/** Resident memory the server may reach while answering (idle it sits at about 200 MiB when started from source). */
const RSS_BOUND_MIB = 768;
/** A write's own background work (alert triage stages) is given this long of quiet before the next request. */
const SETTLE_QUIET_MS = 120;
/** HEAD and OPTIONS answers are Fastify's own, from the GET route and the CORS plugin. */
const FUZZED_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

interface Violation {
  index: number;
  request: string;
  problems: string[];
}

let server: ServeProcess | undefined;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "logwarden-fuzz-"));
  server = await startServe(
    {
      DATA_DIR: dataDir,
      // Inside the temporary directory, so an answer that names the checkout (/work/…) is a leak, while
      // /health's and /stats' model_dir (the configured directory, contracts §3.3) is not.
      MODEL_DIR: join(dataDir, "models"),
      API_TOKEN: ADMIN_TOKEN,
      // The fuzz sends thousands of requests a minute from one address; 429s would hide what it probes.
      RATE_LIMIT_PER_TOKEN: "off",
      RATE_LIMIT_PER_IP: "off",
      ANALYZE_RATE_LIMIT: "off",
      LOG_LEVEL: "info",
    },
    60_000,
  );
});

afterAll(async () => {
  await server?.stop("SIGKILL");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function summary(req: HostileRequest): string {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${v.length > 60 ? `${v.slice(0, 30)}…(${v.length})` : v}`)
    .join("; ");
  const url = req.url.length > 200 ? `${req.url.slice(0, 200)}…(${req.url.length})` : req.url;
  const body = req.body ? ` body ${describeBody(req.body, 200)}` : "";
  return `${req.method} ${url} [${req.mutations.join(", ") || "valid"}] {${headers}}${body}`;
}

/** Requests for every operation in turn, each operation with its own sub-seed, so every route gets its share. */
function generate(operations: Operation[], known: KnownIds): HostileRequest[] {
  const perOperation = Math.max(1, Math.ceil(RUNS / operations.length));
  const lists = operations.map((op, i) =>
    fc.sample(hostileRequests(op, ADMIN_TOKEN, known), { seed: SEED + i, numRuns: perOperation }),
  );
  const out: HostileRequest[] = [];
  for (let k = 0; k < perOperation; k++) for (const list of lists) if (list[k]) out.push(list[k]!);
  return out;
}

/** Waits until no other connection has committed for SETTLE_QUIET_MS (or 3 s passed). */
async function settle(watcher: StoreWatcher): Promise<void> {
  const deadline = Date.now() + 3_000;
  let last = watcher.current();
  while (Date.now() < deadline) {
    await sleep(SETTLE_QUIET_MS);
    const now = watcher.current();
    if (now === last) return;
    last = now;
  }
}

/** The server's error lines (pino level 50 and over), the first 20, for a failure report. */
function serverErrors(stderr: string): string {
  return stderr
    .split("\n")
    .filter((line) => /"level":(5|6)\d/.test(line))
    .slice(0, 20)
    .map((line) => line.slice(0, 1500))
    .join("\n");
}

/** A mutation's kind for the tally, without the field it hit: `query:number-text`, `body:field-deep-object`. */
function kindOf(mutation: string): string {
  const [name = "", value = ""] = mutation.split(/=(.*)/s);
  if (/^(path|query|header)\./.test(name)) return `${name.split(".")[0]}:${value}`;
  if (name === "body")
    return `body:${value.replace(/^missing-field-.*/, "missing-field").replace(/^multipart\(.*/, "multipart")}`;
  return name;
}

/** Node's limit on the request line and headers together (`--max-http-header-size`). */
const MAX_HEAD_BYTES = 16 * 1024;
/** The app's default body limit (src/api/app.ts); routes that take more (ingest) answer before it anyway. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A request the server may answer (413, 414, 431) and close before it has read it all, so that the client,
 * still writing, sees EPIPE or a reset instead of the answer: a head past Node's limit, or a body far past
 * the body limit.
 */
function bigRequest(req: HostileRequest): boolean {
  const head = req.url.length + Object.entries(req.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
  const body = req.body ? toBytes(req.body).length : 0;
  return head > MAX_HEAD_BYTES || body > MAX_BODY_BYTES || req.mutations.some((m) => /bomb/.test(m));
}

describe("hostile input over every route", () => {
  it(
    `answers every hostile request without a 5xx, a leak, a data change or unbounded memory (seed ${SEED}, ${RUNS} runs)`,
    async () => {
      const s = server!;
      const base = new URL(s.url);
      const pid = s.child.pid!;
      console.info(`[fuzz] seed ${SEED}, runs ${RUNS}: replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
      const known = await seedStore(base, ADMIN_TOKEN);
      const document = (await (await fetch(new URL("/openapi.json", base))).json()) as OpenApiDocument;
      const operations = [...operationsOf(document), ...HIDDEN_OPERATIONS].filter((op) =>
        FUZZED_METHODS.has(op.method),
      );
      expect(operations.length).toBeGreaterThan(60);
      // Generated for every operation, then narrowed, so FUZZ_OPERATION replays exactly the requests it names.
      const requests = generate(operations, known).filter((r) => !ONLY || r.operation.includes(ONLY));
      expect(requests.length).toBeGreaterThan(0);
      const watcher = new StoreWatcher(join(dataDir, "logwarden.db"));
      await settle(watcher);

      const violations: Violation[] = [];
      /** Rejected requests after which the store differed; confirmed or not by a replay at the end. */
      const suspects: { index: number; req: HostileRequest; diffs: string[] }[] = [];
      const statuses = new Map<number, number>();
      let resets = 0;
      const kinds = new Map<string, number>();
      for (const req of requests)
        for (const m of req.mutations) kinds.set(kindOf(m), (kinds.get(kindOf(m)) ?? 0) + 1);
      /** Accepted writes after which the store differed: proof that the watcher sees a change at all. */
      let acceptedWithStoreChange = 0;
      let maxRss = (await rssMiB(pid)) ?? 0;
      const startRss = maxRss;
      const t0 = Date.now();

      for (const [index, req] of requests.entries()) {
        const before = watcher.current();
        const outcome: Outcome = await send(base, req, REQUEST_TIMEOUT_MS);
        const rss = await rssMiB(pid);
        if (rss === null) {
          violations.push({ index, request: summary(req), problems: ["the server process is gone"] });
          break;
        }
        maxRss = Math.max(maxRss, rss);
        const problems: string[] = [];
        let rejected = true;
        if (outcome.kind === "timeout") problems.push(`no answer within ${outcome.ms} ms`);
        else if (outcome.kind === "reset") {
          resets++;
          // Closing the connection on a body or header far over the limit is allowed; on anything else it is not.
          if (!bigRequest(req)) problems.push(`connection closed without an answer: ${outcome.error}`);
        } else {
          const { status } = outcome.answer;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          problems.push(...checkAnswer(outcome.answer, req));
          rejected = status >= 400 && !isContracted5xx(outcome.answer, req.operation);
        }
        if (rejected) {
          const diffs = differences(before, watcher.current());
          if (diffs.length > 0) suspects.push({ index, req, diffs });
        } else if (req.method !== "GET") {
          await settle(watcher);
          if (differences(before, watcher.current()).length > 0) acceptedWithStoreChange++;
        }
        if (problems.length > 0) violations.push({ index, request: summary(req), problems });
      }
      const seconds = (Date.now() - t0) / 1000;

      // A store change seen after a rejected request may have been a timer's or an earlier write's; replay
      // each alone on a quiet store, and count it only if the store changes again.
      let unconfirmed = 0;
      for (const { index, req, diffs } of suspects) {
        await settle(watcher);
        const before = watcher.current();
        const outcome = await send(base, req, REQUEST_TIMEOUT_MS);
        const again = differences(before, watcher.current());
        const status = outcome.kind === "answer" ? outcome.answer.status : outcome.kind;
        const refused =
          outcome.kind === "answer"
            ? outcome.answer.status >= 400 && !isContracted5xx(outcome.answer, req.operation)
            : outcome.kind === "reset";
        if (again.length > 0 && refused)
          violations.push({
            index,
            request: summary(req),
            problems: [
              `rejected (${status}) but changed the store: ${again.join("; ")} (first seen: ${diffs.join("; ")})`,
            ],
          });
        else unconfirmed++;
      }

      const live = await send(
        base,
        { operation: "", method: "GET", url: "/health/live", headers: {}, mutations: [], authorized: false },
        5_000,
      );
      watcher.close();
      const report = {
        seed: SEED,
        requests: requests.length,
        operations: operations.length,
        seconds: Math.round(seconds * 10) / 10,
        statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
        resets,
        acceptedWithStoreChange,
        rejectedWithStoreChange: suspects.length,
        unconfirmedStoreChanges: unconfirmed,
        rssStartMiB: Math.round(startRss),
        rssMaxMiB: Math.round(maxRss),
        violations: violations.length,
      };
      console.info(`[fuzz] ${JSON.stringify(report)}`);
      console.info(
        `[fuzz] mutations ${JSON.stringify(Object.fromEntries([...kinds].sort(([, a], [, b]) => b - a)))}`,
      );
      for (const v of violations.slice(0, 40))
        console.info(`[fuzz] #${v.index} ${v.request}\n    ${v.problems.join("\n    ")}`);
      if (violations.length > 0) console.info(`[fuzz] server errors:\n${serverErrors(s.stderr())}`);

      expect(live.kind === "answer" && live.answer.status, "the server still answers /health/live").toBe(200);
      if (!ONLY && RUNS >= 300)
        expect(acceptedWithStoreChange, "accepted writes the store watcher saw").toBeGreaterThan(0);
      expect(maxRss, `server RSS peaked at ${Math.round(maxRss)} MiB`).toBeLessThan(RSS_BOUND_MIB);
      expect(violations.map((v) => `#${v.index} ${v.request}: ${v.problems.join(" | ")}`)).toEqual([]);
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
