import pg from "pg";
import { auth, startTestServer } from "../../helpers/runtime.js";
import { TEST_PG_URL } from "../../helpers/stores.js";

const schema = `t_fuzzprobe_${process.pid}`;
const admin = new pg.Client({ connectionString: TEST_PG_URL });
await admin.connect();
await admin.query(`create schema ${schema}`);
const url = new URL(TEST_PG_URL);
url.searchParams.set("options", `-c search_path=${schema}`);
const s = await startTestServer({ DATABASE_URL: url.toString(), RATE_LIMIT_PER_IP: "off" });
const tries: [string, string, string, unknown][] = [
  ["GET", "/api/v1/anomalies/999999999999999", "", undefined],
  ["PATCH", "/api/v1/anomalies/999999999999999", "", { status: "resolved" }],
  ["GET", "/api/v1/templates/999999999999999", "", undefined],
  ["GET", "/api/v1/logs/999999999999999/context", "", undefined],
  ["GET", "/api/v1/incidents/999999999999999", "", undefined],
  ["DELETE", "/api/v1/tokens/999999999999999", "", undefined],
  ["DELETE", "/api/v1/suppressions/999999999999999", "", undefined],
  ["POST", "/api/v1/remediation-actions/999999999999999/approve", "", {}],
  ["GET", "/incidents?limit=9007199254740991&offset=9007199254740991", "", undefined],
  ["GET", "/api/v1/anomalies?limit=1000&offset=9007199254740991", "", undefined],
  ["GET", "/api/v1/templates?offset=9007199254740991", "", undefined],
  ["GET", "/api/v1/alerts?offset=9007199254740991", "", undefined],
  ["GET", "/api/v1/incidents?offset=9007199254740991", "", undefined],
  ["PATCH", "/api/v1/anomalies", "", { ids: [999999999999999], status: "resolved" }],
  ["PATCH", "/api/v1/incidents", "", { ids: [999999999999999], status: "resolved" }],
  ["GET", "/api/v1/logs?q=%22", "", undefined],
  ["GET", "/api/v1/logs?q=NEAR(", "", undefined],
  ["GET", "/api/v1/logs?q=a*%20OR", "", undefined],
  ["GET", "/api/v1/logs?q=%5C", "", undefined],
  ["GET", "/api/v1/logs?q=%27--", "", undefined],
  ["GET", "/api/v1/anomalies?q=%25_%5C", "", undefined],
  ["GET", "/api/v1/logs?since=0001-01-01T00:00:00Z", "", undefined],
  ["GET", "/api/v1/logs?until=9999-12-31T23:59:59Z&since=2020-01-01", "", undefined],
  ["GET", "/api/v1/logs/histogram?since=0001-01-01T00:00:00Z&until=9999-12-31T00:00:00Z", "", undefined],
];
for (const [method, u, name, body] of tries) {
  const r = await s.app.inject({
    method: method as "POST",
    url: u,
    headers: auth,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  console.log(method, u, name, r.statusCode, r.statusCode >= 500 ? r.body.slice(0, 150) : "");
}
await s.close();
await admin.query(`drop schema ${schema} cascade`);
await admin.end();
process.exit(0);
