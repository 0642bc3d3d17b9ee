import type { KnownIds } from "./hostile-requests.js";

/**
 * Puts a little of everything in the store through the API before the fuzz starts, so that valid ids in
 * paths reach real rows and a rejected write has something it could have damaged: logs and the anomalies
 * they raise, alerts with their triage, a user, an asset, an intel feed, a second token, a GraphQL query.
 */
export async function seedStore(base: URL, adminToken: string): Promise<KnownIds> {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(new URL(path, base), {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`seeding: ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };

  const t0 = Date.parse("2026-01-05T10:00:00Z");
  const logs = Array.from({ length: 120 }, (_, i) => {
    const failed = i % 3 === 0;
    return {
      timestamp: new Date(t0 + i * 5_000).toISOString(),
      service: ["auth", "api", "db"][i % 3],
      level: failed ? "ERROR" : "INFO",
      message: failed
        ? `Failed password for user${i % 4} from 10.0.${i % 5}.${i % 7} port ${2000 + i} ssh2`
        : `request ${i} served in ${i % 50} ms`,
      metadata: { ip: `10.0.${i % 5}.${i % 7}`, user: `user${i % 4}` },
    };
  });
  await call("POST", "/ingest", logs);

  const alertIds = ["fuzz-alert-1", "fuzz-alert-2", "fuzz-alert-3"];
  await call(
    "POST",
    "/api/v1/alerts",
    alertIds.map((alert_id, i) => ({
      alert_id,
      source_ip: `203.0.113.${i + 1}`,
      target_ip: "10.0.0.5",
      severity: ["low", "high", "critical"][i],
      user_id: "alice",
      asset_id: "web-1",
      rule_name: `fuzz rule ${i}`,
      timestamp: new Date(t0).toISOString(),
    })),
  );
  await call("PUT", "/api/v1/users/alice", { name: "Alice", email: "alice@example.com", privileged: true });
  await call("PUT", "/api/v1/assets/web-1", { hostname: "web-1", ip: "10.0.0.5", criticality: "high" });
  await call("POST", "/api/v1/intel/feeds/fuzz-feed", { content: "203.0.113.2\nevil.example.com\n" });
  await call("POST", "/api/v1/tokens", { name: "fuzz reader", scopes: ["read"] });
  const hasura = await call("POST", "/anomalies", {
    session: { role: "user", variables: { "x-hasura-user-id": "1" } },
    rawRequest: { query: "query Q { users { id } }", variables: {}, operationName: "Q" },
    response: { data: { users: [{ id: 1 }, { id: 2 }] } },
  });
  // The query's history is kept under its hash, which the analysis reports per root field.
  const queryId = /"query_hash":"([0-9a-f]+)"/.exec(JSON.stringify(hasura))?.[1];

  return {
    id: ["1", "2", "3"],
    alert_id: alertIds,
    user_id: ["alice", "bob"],
    asset_id: ["web-1", "db-1"],
    feed: ["fuzz-feed", "other-feed"],
    query_id: queryId ? [queryId, "q1"] : ["q1"],
    file: ["index.js", "app.css"],
    page: ["anomalies", "index.html", "static/index.html"],
  };
}
