import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { ddnBody, invoice, invoices } from "../hasura/ddn-payloads.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

const KEY = "secret";
const M_AUTH = { "hasura-m-auth": KEY, "x-hasura-role": "user", "x-hasura-user": "7" };
let storage: string;

beforeAll(() => {
  storage = mkdtempSync(join(tmpdir(), "lw-hasura-files-"));
});
afterAll(() => rmSync(storage, { recursive: true, force: true }));

const ENV = () => ({
  M_AUTH_KEY: KEY,
  MINIMUM_TRAINING_RECORDS: "50",
  EXCLUDED_DATASETS: "dq_.*,(?P<bad>x)",
  STORAGE_PATH: storage,
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * A server for the tests of one describe that neither read nor count what another stored (another query
 * hash, or only statuses and refusals): started at its first use, closed after that describe. A runtime's
 * start with its migrations is most of such a test.
 */
function sharedServer(): () => Promise<TestServer> {
  let started: Promise<TestServer> | undefined;
  afterAll(async () => {
    await (await started)?.close();
  });
  return () => {
    started ??= startTestServer(ENV());
    return started;
  };
}

// Response bodies are checked by assertions, so they are typed as JSON.parse types them.
type Json = ReturnType<JSON["parse"]>;

async function post(s: TestServer, body: unknown, headers: Record<string, string> = M_AUTH) {
  const res = await s.app.inject({ method: "POST", url: "/anomalies", headers, payload: body as object });
  return { status: res.statusCode, body: res.json() as Json };
}

/** The replay used by several tests: 40 invoices (learning), 40 more (model trained), then probes. */
async function replay(s: TestServer) {
  const first = await post(s, ddnBody({ invoices: invoices(1, 40) }));
  const second = await post(s, ddnBody({ invoices: invoices(41, 40), dq_checks: [{ id: 1 }] }));
  const outlier = {
    ...invoice(60),
    total: 98765.43,
    billingCountry: "Narnia",
    invoiceDate: "1999-12-31T23:59:59",
  };
  const probes = [invoice(33), invoice(44), outlier, invoice(52)];
  const third = await post(s, ddnBody({ invoices: probes }));
  return { first, second, third };
}

describe("system 003: POST /anomalies replaying DDN payloads", () => {
  it("learns, then flags an injected outlier and not the normal records", async () => {
    server = await startTestServer(ENV());
    const { first, second, third } = await replay(server);
    const hash = first.body.metadata.query_hash;
    expect(hash).toMatch(/^[0-9a-f]{32}$/);

    // Before MINIMUM_TRAINING_RECORDS: a baseline, nothing scored, the model is still learning.
    expect(first.status).toBe(200);
    expect(first.body.metadata).toMatchObject({
      query_hash: hash,
      operation_name: "RecentInvoices",
      total_records: 40,
      total_anomalies: 0,
      datasets_processed: 1,
      datasets_skipped: [],
      status: "completed",
    });
    expect(first.body.metadata.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const r1 = first.body.results.invoices;
    expect(r1.query_analysis.analysis_mode).toBe("baseline");
    expect(r1.query_analysis.metadata.status).toBe("initializing_history");
    expect(r1.query_analysis.query_pattern_analysis.recommendations).toContain(
      "Continue collecting baseline data",
    );
    expect(r1).toMatchObject({
      statistical_flags: 0,
      processed_records: 40,
      anomalous_records: 0,
      is_anomaly: false,
      score: 0,
      model_details: { model_type: "isolation_forest", status: "insufficient_history" },
      metadata: { historical_data_size: 40, errors: null },
    });

    // Excluded datasets are skipped and reported; the analysis is "statistical" (no LLM configured).
    expect(second.body.metadata.datasets_skipped).toEqual(["dq_checks"]);
    expect(second.body.results.dq_checks).toBeUndefined();
    const r2 = second.body.results.invoices;
    expect(r2.query_analysis.analysis_mode).toBe("statistical");
    expect(r2.query_analysis.metadata.status).toBe("llm_disabled");
    expect(r2.metadata.historical_data_size).toBe(80);
    // The model judges total and billingCountry; invoiceId and customerId are identifiers, invoiceDate a timestamp.
    expect(r2.model_details.features_used).toBe(2);

    // After it: the outlier (index 2) is flagged, the three normal invoices are not.
    const r3 = third.body.results.invoices;
    expect(r3.model_details.status).toBe("active");
    expect(r3.statistical_details.map((d: Json) => d.index)).toEqual([2]);
    expect(r3).toMatchObject({ statistical_flags: 1, anomalous_records: 1, is_anomaly: true });
    const flagged = r3.statistical_details[0];
    expect(flagged.record.total).toBe(98765.43);
    expect(flagged.features).toHaveLength(5);
    // Logwarden's addition: what made it stand out, against this query's history.
    const named = flagged.explanation.features.map((f: Json) => f.name);
    expect(named).toContain("total");
    expect(flagged.explanation.features.find((f: Json) => f.name === "total").typical).toMatch(/^median /);
    expect(flagged.score).toBeLessThan(0);
    expect(flagged.score).toBeGreaterThanOrEqual(-1);
    expect(r3.score).toBe(flagged.score);
    expect(third.body.metadata.total_anomalies).toBe(1);
    // A stored analysis (flags > 0): its row id and anomaly file.
    expect(typeof r3.db_record_id).toBe("number");
    // file_path is relative to STORAGE_PATH: which file, not where the server keeps its data.
    expect(isAbsolute(r3.file_path)).toBe(false);
    expect(r3.file_path).toMatch(
      new RegExp(`^anomalies/\\d{4}/\\d{2}/\\d{2}/\\d{6}_${hash}_RecentInvoices_invoices\\.json$`),
    );
    expect(existsSync(join(storage, r3.file_path))).toBe(true);

    // Stored: history, the contract's tables, the versioned model.
    const history = await server.app.inject({ url: `/history/${hash}`, headers: { "hasura-m-auth": KEY } });
    expect(history.statusCode).toBe(200);
    const h = history.json();
    expect(h).toMatchObject({ query_hash: hash, record_count: 84 });
    expect(h.data).toHaveLength(84);
    expect(h.data[0]).toEqual({ data: invoice(1), timestamp: expect.any(String) });

    const model = await server.app.inject({ url: `/model/${hash}`, headers: auth });
    expect(model.json()).toMatchObject({
      query_hash: hash,
      model_info: { status: "active", model_type: "isolation_forest", query_hash: hash, features: 2 },
    });
    const stats = await server.app.inject({ url: `/stats/${hash}`, headers: auth });
    expect(stats.json()).toMatchObject({
      query_hash: hash,
      historical_records: 84,
      model_info: { status: "active", features: 2 },
      status: "active",
    });

    const db = server.rt.store.db;
    const trained =
      await sql<Json>`select query_id, features_count, records_count from trained_models`.execute(db);
    expect(trained.rows).toEqual([{ query_id: hash, features_count: 2, records_count: 84 }]);
    const versions =
      await sql<Json>`select version, training_size, features from models where kind = 'hasura' and key = ${hash} order by version`.execute(
        db,
      );
    expect(versions.rows.map((r) => r.training_size)).toEqual([80, 84]);
    expect(JSON.parse(versions.rows[1]!.features)).toEqual({
      num_features: 2,
      names: ["billingCountry", "total"],
    });
    // The second request's newly scored records may hold a few of the 10 % the contamination sets apart;
    // the last analysis is the probe request's.
    const analyses =
      await sql<Json>`select query_id, role, user_id, processed_records, analysis_mode, status from anomaly_analyses order by id desc limit 1`.execute(
        db,
      );
    expect(analyses.rows).toEqual([
      {
        query_id: hash,
        role: "user",
        user_id: "7",
        processed_records: 4,
        analysis_mode: "statistical",
        status: "completed",
      },
    ]);
    const overall =
      await sql<Json>`select category, record_index, risk_level from anomaly_records where analysis_id = ${r3.db_record_id}`.execute(
        db,
      );
    expect(overall.rows).toEqual([{ category: "overall_statistics", record_index: -1, risk_level: "LOW" }]);
    const fields =
      await sql<Json>`select field_name, field_type from field_statistics f join anomaly_records r on r.id = f.record_id where r.analysis_id = ${r3.db_record_id} order by field_name`.execute(
        db,
      );
    expect(fields.rows.map((r) => `${r.field_name}:${r.field_type}`)).toEqual([
      "billingCountry:categorical",
      "customerId:numeric",
      "invoiceDate:date",
      "invoiceId:numeric",
      "total:numeric",
    ]);
    const patterns =
      await sql<Json>`select operation_name, user_role, is_anomalous, complexity_score from query_patterns order by id`.execute(
        db,
      );
    expect(patterns.rows).toHaveLength(3);
    expect(patterns.rows[2]).toMatchObject({
      operation_name: "RecentInvoices",
      user_role: "user",
      is_anomalous: 1,
    });
    // 7 fields (invoices + 5 + none nested), depth 2, 2 arguments: 2*6 + 3*2 + 1.5*2 = 21
    expect(patterns.rows[0]!.complexity_score).toBe(21);
    const features =
      await sql<Json>`select feature_name from query_features where pattern_id = 1 order by id`.execute(db);
    expect(features.rows.map((r) => r.feature_name)).toEqual([
      "query_length",
      "depth",
      "fields",
      "arguments",
      "variables",
      "has_pagination",
      "has_filtering",
      "has_sorting",
      "complexity_score",
    ]);

    // POST /analyze/{id}: one record, history grows, same shape.
    const single = await server.app.inject({
      method: "POST",
      url: `/analyze/${hash}`,
      headers: { "hasura-m-auth": KEY },
      payload: { data: invoice(45) },
    });
    expect(single.statusCode).toBe(200);
    expect(single.json()).toMatchObject({
      query_hash: hash,
      analysis: { processed_records: 1, operation_name: null, metadata: { historical_data_size: 85 } },
    });

    // DELETE clears the history only; the model stays.
    const cleared = await server.app.inject({ method: "DELETE", url: `/history/${hash}`, headers: auth });
    expect(cleared.json()).toMatchObject({
      success: true,
      query_hash: hash,
      message: "History cleared successfully",
    });
    const after = await server.app.inject({ url: `/stats/${hash}`, headers: auth });
    expect(after.json()).toMatchObject({ historical_records: 0, model_info: { status: "active" } });

    // Unknown ids: empty history and no model, still 200.
    const unknown = await server.app.inject({
      url: "/history/0123456789abcdef0123456789abcdef",
      headers: auth,
    });
    expect(unknown.json()).toMatchObject({ record_count: 0, data: [] });
    const noModel = await server.app.inject({
      url: "/model/0123456789abcdef0123456789abcdef",
      headers: auth,
    });
    expect(noModel.json().model_info).toEqual({ status: "no_model" });

    const health = await server.app.inject({ url: "/health" });
    expect(health.json()).toMatchObject({ status: "healthy", excluded_patterns: ["dq_.*"] });
    expect(health.json().timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });

  it("is deterministic: the same replay gives the same scores", async () => {
    const runs: Json[] = [];
    for (let i = 0; i < 2; i++) {
      const s = await startTestServer(ENV());
      try {
        const details: Json[] = (await replay(s)).third.body.results.invoices.statistical_details;
        // The detail's `timestamp` is the time of the request (the record has none of its own).
        runs.push(details.map(({ index, score, features, record }) => ({ index, score, features, record })));
      } finally {
        await s.close();
      }
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).toHaveLength(1);
  });

  // The next two: each reads only its own response, for queries of their own (their own query hashes).
  const oneServer = sharedServer();

  it("treats a single object as a one-element dataset and skips empty ones silently", async () => {
    const server = await oneServer();
    const res = await post(server, ddnBody({ invoice: invoice(1), empty: [], none: null, obj: {} }));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.results)).toEqual(["invoice"]);
    expect(res.body.metadata).toMatchObject({
      total_records: 1,
      datasets_processed: 1,
      datasets_skipped: [],
    });
  });

  it("reports sensitive fields and introspection as security concerns", async () => {
    const server = await oneServer();
    const query = "query Users { users { id email ssn __typename } }";
    const body = ddnBody({ users: [{ id: 1, email: "a@b.c", ssn: "123-45-6789" }] }, { query });
    const res = await post(server, body);
    const r = res.body.results.users;
    expect(r.security_concerns).toEqual([
      {
        record_index: 0,
        reason: 'Sensitive field "ssn" is returned to the client',
        risk_level: "high",
        category: "security_concern",
        type: "security_concern",
        severity: "high",
      },
    ]);
    expect(r.query_analysis.anomalies_detected).toBe(true);
    expect(r.query_analysis.query_pattern_analysis.concerns).toEqual(
      expect.arrayContaining([expect.stringContaining("__typename"), expect.stringContaining("email")]),
    );
    // LLM-style findings are stored, but do not count as statistical anomalies.
    expect(res.body.metadata.total_anomalies).toBe(0);
    expect(typeof r.db_record_id).toBe("number");
  });
});

describe("system 003: variable and role names that mean something to JavaScript", () => {
  it("counts __proto__, constructor and toString as names, and pollutes no prototype", async () => {
    // Regression (hostile-input fuzz, PostgreSQL leg, seed 1742215258): a variable named `__proto__` found
    // Object.prototype in the query profile, `seen.seen += 1` set Object.prototype.seen, and from then on
    // every object had a `seen`: GET /metrics failed (prom-client saw an unknown label) and the server died.
    onTestFinished(() => {
      // A polluted prototype would break every later test in this process.
      delete (Object.prototype as { seen?: unknown }).seen;
    });
    server = await startTestServer(ENV());
    const body = ddnBody({ invoices: invoices(1, 5) });
    body.rawRequest.variables = JSON.parse(
      '{"__proto__": {"x": 1}, "constructor": 5, "toString": 7, "limit": 50}',
    );
    for (const role of ["__proto__", "constructor", "user"]) {
      const res = await post(server, body, { ...M_AUTH, "x-hasura-role": role });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    expect(Object.hasOwn(Object.prototype, "seen")).toBe(false);
    expect(({} as { seen?: unknown }).seen).toBeUndefined();
    const metrics = await server.app.inject({ url: "/metrics", headers: auth });
    expect(metrics.statusCode).toBe(200);
    const hash = (await post(server, body)).body.metadata.query_hash as string;
    const row = await server.rt.store.db
      .selectFrom("state")
      .select("value")
      .where("key", "=", `hasura:query-profile:${hash}`)
      .executeTakeFirstOrThrow();
    const profile = JSON.parse(String(row.value)) as { roles: object; variables: object };
    expect(Object.keys(profile.variables).sort()).toEqual(["__proto__", "constructor", "limit", "toString"]);
    expect(Object.getOwnPropertyDescriptor(profile.variables, "__proto__")?.value).toEqual({
      seen: 4,
      max: null,
    });
    expect(Object.entries(profile.roles).sort()).toEqual([
      ["__proto__", 1],
      ["constructor", 1],
      ["user", 2],
    ]);
  });
});

describe("system 003: validation (contract §4.3, in order)", () => {
  const rows: [string, () => { headers: Record<string, string>; payload?: string }, Json][] = [
    [
      "1: no X-Hasura-Role and no session.role",
      () => ({ headers: { "hasura-m-auth": KEY, "content-type": "application/json" }, payload: "not json" }),
      { error: "Missing required headers", missing: ["X-Hasura-Role"] },
    ],
    [
      "2: body is not JSON",
      () => ({ headers: { ...M_AUTH, "content-type": "application/json" }, payload: "{oops" }),
      { error: "Invalid request format" },
    ],
    [
      "2: body not sent as JSON",
      () => ({ headers: { ...M_AUTH, "content-type": "text/plain" }, payload: JSON.stringify(ddnBody({})) }),
      { error: "Invalid request format" },
    ],
    ...["{}", "[]", "null", '""', "0", "false"].map(
      (p) =>
        [
          `3: falsy body ${p}`,
          () => ({ headers: { ...M_AUTH, "content-type": "application/json" }, payload: p }),
          { error: "Request body is required" },
        ] as [string, () => { headers: Record<string, string>; payload?: string }, Json],
    ),
    [
      "4: no rawRequest",
      () => ({
        headers: { ...M_AUTH, "content-type": "application/json" },
        payload: JSON.stringify({ response: {} }),
      }),
      { error: "rawRequest is required" },
    ],
    [
      "5: no response",
      () => ({
        headers: { ...M_AUTH, "content-type": "application/json" },
        payload: JSON.stringify({ rawRequest: { query: "", variables: null, operationName: null } }),
      }),
      { error: "response is required" },
    ],
    [
      "6: rawRequest keys missing",
      () => ({
        headers: { ...M_AUTH, "content-type": "application/json" },
        payload: JSON.stringify({ rawRequest: { variables: null }, response: {} }),
      }),
      { error: "Invalid rawRequest format", missing: ["query", "operationName"] },
    ],
    [
      "7: IntrospectionQuery",
      () => ({
        headers: { ...M_AUTH, "content-type": "application/json" },
        payload: JSON.stringify({
          rawRequest: {
            query: "{ __schema { types { name } } }",
            variables: null,
            operationName: "IntrospectionQuery",
          },
          response: {},
        }),
      }),
      { error: "Introspection queries are not allowed" },
    ],
    [
      "8: response not an object",
      () => ({
        headers: { ...M_AUTH, "content-type": "application/json" },
        payload: JSON.stringify({
          rawRequest: { query: "{ a }", variables: null, operationName: null },
          response: [1],
        }),
      }),
      { error: "response must be an object with dataset keys" },
    ],
    [
      "9: rawRequest is not an object",
      () => ({
        headers: { ...M_AUTH, "content-type": "application/json" },
        payload: JSON.stringify({ rawRequest: 5, response: {} }),
      }),
      { error: "Invalid request format" },
    ],
  ];

  // One server for every row, and for the 405, 404 and POST /analyze 400 tests below: each request is
  // refused before anything is stored or learned, so they stay independent (a server per row was 14 starts
  // of a runtime and its migrations; those two tests had a server each as well).
  let refusing: TestServer;
  beforeAll(async () => {
    refusing = await startTestServer(ENV());
  });
  afterAll(async () => {
    await refusing?.close();
  });

  it.each(rows)("%s", async (_name, make, expected) => {
    const { headers, payload } = make();
    const res = await refusing.app.inject({ method: "POST", url: "/anomalies", headers, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject(expected);
    if (!expected.missing) expect(res.json().missing).toBeUndefined();
  });

  it("falls back to session.role, and to session.variables for the user", async () => {
    server = await startTestServer(ENV());
    const res = await post(server, ddnBody({ invoices: invoices(1, 3) }), { "hasura-m-auth": KEY });
    expect(res.status).toBe(200);
    expect(res.body.results.invoices.query_analysis.metadata.query_context.role).toBe("user");
  });

  // The 500 and hasura-m-auth tests check statuses only (the one request that is let in stores its records):
  // one server for both. "falls back to session.role" keeps its own: it reads the first (baseline) analysis.
  const statuses = sharedServer();

  it("answers the contract's 500 for a response without data and for a null query", async () => {
    const server = await statuses();
    for (const body of [ddnBody(null), ddnBody({ a: [1] }, { query: null })]) {
      const res = await post(server, body);
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ error: "Internal server error", status: "error" });
      expect(typeof res.body.details).toBe("string");
    }
  });

  it("checks hasura-m-auth in constant time, else wants a bearer token with the ingest scope", async () => {
    const server = await statuses();
    const body = ddnBody({ invoices: invoices(1, 2) });
    expect((await post(server, body, { ...M_AUTH, "hasura-m-auth": "wrong" })).body).toMatchObject({
      error: "Unauthorized",
    });
    expect((await post(server, body, { "x-hasura-role": "user" })).status).toBe(401);
    expect((await post(server, body, { "x-hasura-role": "user", ...auth })).status).toBe(200);
    expect((await server.app.inject({ url: "/history/abc" })).statusCode).toBe(401);
  });

  it("answers 405 and 404 with JSON bodies", async () => {
    const wrong = await refusing.app.inject({ method: "GET", url: "/anomalies" });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.json()).toMatchObject({ error: "Method Not Allowed" });
    expect((await refusing.app.inject({ method: "PUT", url: "/history/abc" })).statusCode).toBe(405);
    expect((await refusing.app.inject({ method: "POST", url: "/stats/abc" })).statusCode).toBe(405);
    const missing = await refusing.app.inject({ method: "GET", url: "/nope/abc" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: "Not Found" });
  });

  it("answers 400 for a POST /analyze body that is not one JSON object", async () => {
    for (const payload of ["[1]", "{bad", ""]) {
      const res = await refusing.app.inject({
        method: "POST",
        url: "/analyze/abc",
        headers: { "hasura-m-auth": KEY, "content-type": "application/json" },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/^Error analyzing record: /);
      expect(res.json().status).toBe("error");
    }
  });
});
