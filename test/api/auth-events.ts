// System 002's input (../shared/docs/seed-contracts.md §3.2) for test/api/analyze.test.ts and models.test.ts.

/** 30 failed logins for root within a minute, then one normal login: an error burst on the `auth` stream. */
export function authEvents(n = 30) {
  const logs = Array.from({ length: n }, (_, i) => ({
    timestamp: `2026-02-01T09:30:${String(i).padStart(2, "0")}Z`,
    user: "root",
    source_ip: "10.1.2.3",
    event_type: "login",
    action: "failed",
    message: "Failed password for root",
    level: "error",
    port: 22,
  }));
  logs.push({
    timestamp: "2026-02-01T09:31:00Z",
    user: "alice",
    source_ip: "10.9.9.9",
    event_type: "login",
    action: "success",
    message: "Accepted password for alice",
    level: "info",
    port: 22,
  });
  return logs;
}
