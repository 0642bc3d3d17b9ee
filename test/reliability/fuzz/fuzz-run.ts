import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { expect } from "vitest";
import { type ServeProcess, startServe } from "../../helpers/cli.js";
import { type OpenApiDocument, type Operation, operationsOf } from "../openapi-operations.js";
import { HIDDEN_OPERATIONS } from "./hidden-operations.js";
import { type HostileRequest, hostileRequests, type KnownIds } from "./hostile-requests.js";
import { type Outcome, send } from "./http-send.js";
import { describe as describeBody, toBytes } from "./json-text.js";
import { checkAnswer, isContracted5xx, rssMiB } from "./response-checks.js";
import { seedStore } from "./seed-store.js";
import { differences, type StoreWatcher } from "./store-fingerprint.js";

/**
 * One fuzz run (issue 17, item 2): requests generated from the live /openapi.json and made hostile
 * (fast-check), sent one at a time to a real `logwarden serve` with an admin token and without one. Every
 * answer must be under 500, JSON when 4xx, free of stack traces and internal paths; with a store watcher, a
 * rejected request must leave the store as it was; the server's resident memory must stay under
 * RSS_BOUND_MIB. `FUZZ_SEED` (a number, or `random`) and `FUZZ_RUNS` replay or lengthen a run;
 * `FUZZ_OPERATION` keeps only the requests of operations whose `METHOD /path` contains it.
 */
export const SEED =
  process.env.FUZZ_SEED === "random"
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED ?? 1717);
const ONLY = process.env.FUZZ_OPERATION;
export const ADMIN_TOKEN = "fuzz-admin-token";
const REQUEST_TIMEOUT_MS = 15_000;
/** Resident memory the server may reach while answering (idle it sits at about 200 MiB when started from source). */
const RSS_BOUND_MIB = 768;
/** A write's own background work (alert triage stages) is given this long of quiet before the next request. */
const SETTLE_QUIET_MS = 120;
/** HEAD and OPTIONS answers are Fastify's own, from the GET route and the CORS plugin. */
const FUZZED_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** `logwarden serve` as the fuzz wants it: the admin token, no rate limits, `env` for the store. */
export function startFuzzServer(env: Record<string, string>): Promise<ServeProcess> {
  return startServe(
    {
      API_TOKEN: ADMIN_TOKEN,
      // The fuzz sends thousands of requests a minute from one address; 429s would hide what it probes.
      RATE_LIMIT_PER_TOKEN: "off",
      RATE_LIMIT_PER_IP: "off",
      ANALYZE_RATE_LIMIT: "off",
      LOG_LEVEL: "info",
      ...env,
    },
    60_000,
  );
}

interface Violation {
  index: number;
  request: string;
  problems: string[];
}

function summary(req: HostileRequest): string {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${v.length > 60 ? `${v.slice(0, 30)}…(${v.length})` : v}`)
    .join("; ");
  const url = req.url.length > 200 ? `${req.url.slice(0, 200)}…(${req.url.length})` : req.url;
  const body = req.body ? ` body ${describeBody(req.body, 200)}` : "";
  return `${req.method} ${url} [${req.mutations.join(", ") || "valid"}] {${headers}}${body}`;
}

/** Requests for every operation in turn, each operation with its own sub-seed, so every route gets its share. */
function generate(operations: Operation[], known: KnownIds, runs: number): HostileRequest[] {
  const perOperation = Math.max(1, Math.ceil(runs / operations.length));
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

/** How many requests between two looks at the prototype-pollution canary. */
const CANARY_EVERY = 100;

/**
 * Why the server's objects look polluted, or null. A key set on Object.prototype (a request's `__proto__`
 * reaching `record[key].x = …`) is inherited by every object: prom-client then refuses its own labels and
 * GET /metrics answers 500, so /metrics is the canary. Looked at every CANARY_EVERY requests.
 */
async function pollutionCanary(base: URL): Promise<string | null> {
  const probe: HostileRequest = {
    operation: "GET /metrics",
    method: "GET",
    url: "/metrics",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    mutations: [],
    authorized: true,
  };
  const outcome = await send(base, probe, REQUEST_TIMEOUT_MS);
  if (outcome.kind === "answer" && outcome.answer.status === 200) return null;
  const what = outcome.kind === "answer" ? `answered ${outcome.answer.status}` : outcome.kind;
  return `GET /metrics (the prototype-pollution canary) ${what} after these requests`;
}

/**
 * Sends `runs` hostile requests (spread over every operation) to `server` and asserts on what came back.
 * Without a `watcher` (a store the fuzz cannot read directly) rejected requests are not checked for changes.
 */
export async function fuzzServer(
  server: ServeProcess,
  runs: number,
  watcher: StoreWatcher | null,
): Promise<void> {
  const s = server;
  const base = new URL(s.url);
  const pid = s.child.pid!;
  console.info(`[fuzz] seed ${SEED}, runs ${runs}: replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${runs}`);
  const known = await seedStore(base, ADMIN_TOKEN);
  const document = (await (await fetch(new URL("/openapi.json", base))).json()) as OpenApiDocument;
  const operations = [...operationsOf(document), ...HIDDEN_OPERATIONS].filter((op) =>
    FUZZED_METHODS.has(op.method),
  );
  expect(operations.length).toBeGreaterThan(60);
  // Generated for every operation, then narrowed, so FUZZ_OPERATION replays exactly the requests it names.
  const requests = generate(operations, known, runs).filter((r) => !ONLY || r.operation.includes(ONLY));
  expect(requests.length).toBeGreaterThan(0);
  if (watcher) await settle(watcher);

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
    const before = watcher?.current();
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
    if (watcher && before && rejected) {
      const diffs = differences(before, watcher.current());
      if (diffs.length > 0) suspects.push({ index, req, diffs });
    } else if (watcher && before && req.method !== "GET") {
      await settle(watcher);
      if (differences(before, watcher.current()).length > 0) acceptedWithStoreChange++;
    }
    if (problems.length > 0) violations.push({ index, request: summary(req), problems });
    if (index % CANARY_EVERY === CANARY_EVERY - 1 || index === requests.length - 1) {
      const canary = await pollutionCanary(base);
      if (canary) {
        const first = Math.max(0, index - CANARY_EVERY + 1);
        violations.push({ index, request: `one of requests #${first}..#${index}`, problems: [canary] });
        break;
      }
    }
  }
  const seconds = (Date.now() - t0) / 1000;

  // A store change seen after a rejected request may have been a timer's or an earlier write's; replay
  // each alone on a quiet store, and count it only if the store changes again.
  let unconfirmed = 0;
  for (const { index, req, diffs } of suspects) {
    if (!watcher) break;
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
  const report = {
    seed: SEED,
    store: watcher ? "checked" : "not read",
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
  if (watcher && !ONLY && runs >= 300)
    expect(acceptedWithStoreChange, "accepted writes the store watcher saw").toBeGreaterThan(0);
  expect(maxRss, `server RSS peaked at ${Math.round(maxRss)} MiB`).toBeLessThan(RSS_BOUND_MIB);
  expect(violations.map((v) => `#${v.index} ${v.request}: ${v.problems.join(" | ")}`)).toEqual([]);
}
