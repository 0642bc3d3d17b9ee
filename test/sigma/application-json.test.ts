/**
 * The shipped mapping for application records (config/sigma/application-json.yaml), through a real runtime:
 * plain JSON records POSTed to /ingest meet rules on `host`, `service`, `level`, `message` and the entity
 * fields, and a correlation grouped by `host`; records of the other shapes keep their own mappings.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { writeRulesDir } from "../helpers/sigma-test-rules.js";
import { engineOf, matchedIds } from "./sigma-fixtures.js";

const RULES = {
  "app_db_error.yml": `title: Database Refused On A Web Host
id: 7a1c2e3f-0b4d-4c5e-8f60-0a1b2c3d4e01
name: app_db_refused
status: test
logsource:
    category: application
    product: application
detection:
    selection:
        host|startswith: web
        service: checkout
        level: error
        message|contains: connection refused
    condition: selection
level: medium
`,
  "app_admin_login.yml": `title: Admin Login From Outside
id: 7a1c2e3f-0b4d-4c5e-8f60-0a1b2c3d4e02
status: test
logsource:
    product: application
detection:
    selection:
        user: admin
        src_ip|cidr: 203.0.113.0/24
        dest_ip: 10.0.0.5
    condition: selection
level: high
`,
  "app_error_burst.yml": `title: Application Errors On One Host
id: 7a1c2e3f-0b4d-4c5e-8f60-0a1b2c3d4e03
status: test
correlation:
    type: event_count
    rules:
        - app_any_error
    group-by:
        - host
    timespan: 5m
    condition:
        gte: 3
level: high
---
title: Application Error
id: 7a1c2e3f-0b4d-4c5e-8f60-0a1b2c3d4e04
name: app_any_error
status: test
logsource:
    category: application
detection:
    selection:
        level: error
    condition: selection
level: low
`,
  // A Linux rule: the sshd records below (JSON with service "sshd") stay Linux records.
  "ssh_fail.yml": `title: SSH Failure Seen
id: 7a1c2e3f-0b4d-4c5e-8f60-0a1b2c3d4e05
status: test
logsource:
    product: linux
    service: sshd
detection:
    keywords:
        - 'Failed password'
    condition: keywords
level: low
`,
};

interface Finding {
  key: string;
  features: {
    rule_title: string;
    host?: string;
    group?: Record<string, string>;
    value?: number;
    matched?: Record<string, unknown>;
    user?: string;
  };
}

let server: TestServer | undefined;
let rulesDir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  rulesDir = undefined;
});

async function start(): Promise<TestServer> {
  rulesDir = writeRulesDir(RULES);
  server = await startTestServer({ SIGMA_RULES_DIR: rulesDir });
  return server;
}

let second = 0;
const at = (): string => new Date(Date.UTC(2026, 2, 3, 12, 0, second++)).toISOString();

async function ingest(s: TestServer, records: Record<string, unknown>[]): Promise<void> {
  const res = await s.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: records });
  expect(res.statusCode, res.body).toBeLessThan(300);
}

async function sigmaFindings(s: TestServer): Promise<Finding[]> {
  const res = await s.app.inject({ url: "/api/v1/anomalies?agent_name=sigma&limit=100", headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Finding[];
}

describe("application records as JSON", () => {
  it("meet a detection rule on host, service, level and message, and a correlation grouped by host", async () => {
    const s = await start();
    // The system-004 shape (no syslog facility, no Linux daemon): an application record. /ingest takes no
    // `host` of its own, so the producer's host comes in metadata.
    const log = (host: string, level: string, message: string, more: Record<string, unknown> = {}) => ({
      timestamp: at(),
      service: "checkout",
      level,
      message,
      metadata: { host, ...more },
    });
    await ingest(s, [
      log("web-3", "error", "payment db: connection refused", { order: 1 }),
      log("web-3", "error", "retry failed"),
      log("web-3", "error", "giving up"),
      // Another host: two errors, under the correlation's three.
      log("db-1", "error", "connection refused"),
      log("db-1", "error", "disk slow"),
      // Not an error: neither rule.
      log("web-3", "info", "connection refused"),
      // Entity fields where ingest puts them: metadata's fields are the record's attributes.
      {
        timestamp: at(),
        service: "admin-portal",
        level: "info",
        message: "login ok",
        metadata: { host: "web-9", user: "admin", src_ip: "203.0.113.40", dest_ip: "10.0.0.5" },
      },
    ]);
    const found = await sigmaFindings(s);
    const byTitle = new Map(found.map((f) => [f.features.rule_title, f]));

    const refused = byTitle.get("Database Refused On A Web Host");
    expect(refused?.features.matched).toMatchObject({
      host: "web-3",
      service: "checkout",
      message: "payment db: connection refused",
    });
    expect(found.filter((f) => f.features.rule_title === "Database Refused On A Web Host")).toHaveLength(1);

    const burst = found.filter((f) => f.features.rule_title === "Application Errors On One Host");
    expect(burst.map((f) => f.features.group)).toEqual([{ host: "web-3" }]);
    expect(burst[0]!.features.value).toBe(3);

    const admin = byTitle.get("Admin Login From Outside");
    expect(admin?.features.matched).toMatchObject({
      user: "admin",
      src_ip: "203.0.113.40",
      dest_ip: "10.0.0.5",
    });
    // The record's own user is the finding's, as other findings name theirs: incidents join on it.
    expect(admin?.features.user).toBe("admin");
    // The error rule only feeds the correlation: no finding of its own.
    expect(byTitle.has("Application Error")).toBe(false);
  });

  it("leave records of the other shapes to their own mappings", async () => {
    const s = await start();
    const sshd = (host: string) => ({
      timestamp: at(),
      service: "sshd",
      level: "error",
      host,
      message: "Failed password for root from 198.51.100.7 port 22 ssh2",
    });
    await ingest(s, [sshd("web-5"), sshd("web-5"), sshd("web-5")]);
    const titles = (await sigmaFindings(s)).map((f) => f.features.rule_title);
    // A JSON record of sshd is a Linux record: the Linux rule, no application rule (their `level: error`
    // would have counted three on web-5).
    expect(titles).toEqual(["SSH Failure Seen"]);
  });
});

describe("the application mapping's log source", () => {
  const engine = engineOf([
    RULES["app_db_error.yml"],
    `title: any windows\nid: anywin\nlogsource:\n  product: windows\ndetection:\n  sel:\n    EventID|gte: 0\n  condition: sel\n`,
  ]);
  const record = (resource: Record<string, string>) => ({
    timestamp: "2026-03-03T12:00:00Z",
    body: "connection refused",
    severityText: "ERROR",
    attributes: {},
    resource,
  });

  it("is product and category application; Windows events stay Windows events", () => {
    expect(matchedIds(engine, record({ "service.name": "checkout", "host.name": "web-1" }))).toEqual([
      "7a1c2e3f-0b4d-4c5e-8f60-0a1b2c3d4e01",
    ]);
    const win = {
      timestamp: "2026-03-03T12:00:00Z",
      body: "",
      attributes: { Event: { System: { EventID: 4624, Channel: "Security" } } },
      resource: { "service.name": "checkout", "host.name": "web-1" },
    };
    expect(matchedIds(engine, win)).toEqual(["anywin"]);
  });
});
