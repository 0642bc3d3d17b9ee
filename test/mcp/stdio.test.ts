import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeModelFolder } from "../../src/service/model-dir.js";
import { runCli } from "../helpers/cli.js";
import { startTestServer } from "../helpers/runtime.js";
import { call, connectStdioMcp, type StdioMcp, textOf } from "./client.js";
import { bruteForceRecords, OPENSSH, seedRealData } from "./seed.js";

const CONTRACT_TOOLS = ["load_anomaly_models", "analyze_logs", "analyze_log_file", "get_detection_stats"];
const TOOLS = [
  ...CONTRACT_TOOLS,
  "search_anomalies",
  "explain_anomaly",
  "search_logs",
  "list_templates",
  "list_incidents",
  "list_anomaly_incidents",
  "get_alert_triage",
  "submit_verdict",
  "list_suppressions",
  "revoke_suppression",
  "list_rules",
];
const MAX_FILE = 300_000;

let root: string;
let dataDir: string;
let logsDir: string;
let outside: string;
let client: Client;
let mcp: StdioMcp;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "lw-mcp-stdio-"));
  logsDir = join(root, "logs");
  outside = join(root, "outside");
  mkdirSync(logsDir);
  mkdirSync(outside);
  mkdirSync(join(logsDir, "sub"));
  copyFileSync(OPENSSH, join(logsDir, "OpenSSH_2k.log"));
  writeFileSync(join(logsDir, "auth.json"), JSON.stringify(bruteForceRecords()));
  writeFileSync(join(logsDir, "big.log"), "x".repeat(MAX_FILE + 1));
  writeFileSync(join(outside, "secret.log"), "Dec 10 06:55:46 LabSZ sshd[1]: secret\n");
  symlinkSync(join(outside, "secret.log"), join(logsDir, "escape.log"));
  symlinkSync(outside, join(logsDir, "escape-dir"));
  const modelDir = join(root, "models");
  await writeModelFolder(modelDir, "m-1", []);

  // Seed the store through a runtime, then close it and let `logwarden mcp` open the same files.
  const seeded = await startTestServer({ THRESHOLD: "0.1" });
  dataDir = seeded.dataDir;
  await seedRealData(seeded.rt);
  await seeded.close(false);

  mcp = await connectStdioMcp({
    DATA_DIR: dataDir,
    MODEL_DIR: modelDir,
    MCP_ALLOWED_DIRS: logsDir,
    MCP_MAX_FILE_BYTES: String(MAX_FILE),
    LOG_LEVEL: "info",
  });
  client = mcp.client;
}, 60_000);

afterAll(async () => {
  await client?.close();
  rmSync(root, { recursive: true, force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("logwarden mcp over stdio", () => {
  it("names itself log-anomaly-detection and lists every tool with described inputs, output schemas and hints", async () => {
    expect(client.getServerVersion()?.name).toBe("log-anomaly-detection");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.outputSchema, tool.name).toBeTruthy();
      expect(typeof tool.annotations?.readOnlyHint, tool.name).toBe("boolean");
      expect(typeof tool.annotations?.destructiveHint, tool.name).toBe("boolean");
      expect(typeof tool.annotations?.idempotentHint, tool.name).toBe("boolean");
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {}))
        expect((schema as { description?: string }).description, `${tool.name}.${field}`).toBeTruthy();
    }
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get("search_anomalies")?.annotations?.readOnlyHint).toBe(true);
    expect(byName.get("submit_verdict")?.annotations?.readOnlyHint).toBe(false);
    expect(Object.keys(byName.get("analyze_logs")?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(["log_data", "format"]),
    );
    expect(byName.get("analyze_logs")?.inputSchema.required).toEqual(["log_data"]);
  });

  it("describes tools in words an assistant can act on: no setting names, the folders it may read, which incident tool is which", async () => {
    const { tools } = await client.listTools();
    for (const tool of tools) {
      const words = [
        tool.description ?? "",
        ...Object.values(tool.inputSchema.properties ?? {}).map(
          (p) => (p as { description?: string }).description ?? "",
        ),
      ].join(" ");
      // An operator's setting (THRESHOLD, MCP_ALLOWED_DIRS…) is nothing an assistant can change or read.
      expect(words, tool.name).not.toMatch(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\bTHRESHOLD\b|system 00\d/);
    }
    const byName = new Map(tools.map((t) => [t.name, t.description ?? ""]));
    // stdio is the local operator: the folder is named in full, with the size limit.
    expect(byName.get("analyze_log_file")).toContain(`inside the folder ${logsDir}, up to 1 MB`);
    expect(byName.get("submit_verdict")).toContain("for the next 30 days");
    expect(byName.get("list_incidents")).toContain("use list_anomaly_incidents");
    expect(byName.get("list_anomaly_incidents")).toContain("use list_incidents");
  });

  it("contract tools return one text item holding JSON, equal to the structured content", async () => {
    const stats = await call(client, "get_detection_stats");
    expect(stats.isError).toBeFalsy();
    expect(stats.content).toHaveLength(1);
    expect(JSON.parse(textOf(stats))).toEqual(stats.structuredContent);
    expect(stats.structuredContent).toMatchObject({ models_loaded: true });

    const loaded = await call(client, "load_anomaly_models", {});
    expect(loaded.isError, textOf(loaded)).toBeFalsy();
    expect(JSON.parse(textOf(loaded))).toMatchObject({ status: "loaded", models: [] });

    const missing = await call(client, "load_anomaly_models", { model_dir: join(root, "nope") });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/nope/);

    const analysed = await call(client, "analyze_logs", { log_data: JSON.stringify(bruteForceRecords()) });
    expect(analysed.isError, textOf(analysed)).toBeFalsy();
    expect(analysed.content).toHaveLength(1);
    const result = JSON.parse(textOf(analysed));
    expect(result).toEqual(analysed.structuredContent);
    expect(result.total_events).toBe(12);
    expect(result.anomalies_detected).toBeGreaterThanOrEqual(1);
    expect(result.anomalies[0]).toMatchObject({
      user: "root",
      source_ip: "10.1.2.3",
      severity: expect.any(String),
    });

    const ndjson = await call(client, "analyze_logs", {
      log_data: bruteForceRecords()
        .map((r) => JSON.stringify(r))
        .join("\n"),
      format: "ndjson",
    });
    expect(JSON.parse(textOf(ndjson)).anomalies_detected).toBe(result.anomalies_detected);

    const file = await call(client, "analyze_log_file", { filepath: join(logsDir, "OpenSSH_2k.log") });
    expect(file.isError, textOf(file)).toBeFalsy();
    expect(file.structuredContent).toMatchObject({ total_events: 2000 });
    const relative = await call(client, "analyze_log_file", { filepath: "auth.json" });
    expect(relative.structuredContent).toMatchObject({ total_events: 12 });
    expect((relative.structuredContent as { anomalies_detected: number }).anomalies_detected).toBe(
      result.anomalies_detected,
    );
  });

  it("refuses paths outside MCP_ALLOWED_DIRS, symlink escapes and oversized files, as tool errors", async () => {
    const refused: [string, RegExp][] = [
      [`${logsDir}/../outside/secret.log`, /\.\./],
      ["../outside/secret.log", /\.\./],
      [join(outside, "secret.log"), /outside the folders/],
      ["/etc/passwd", /outside the folders/],
      [join(logsDir, "escape.log"), /outside the folders/],
      [join(logsDir, "escape-dir", "secret.log"), /outside the folders/],
      [`${logsDir}-other/x.log`, /no such file|outside/],
      [join(logsDir, "big.log"), /MCP_MAX_FILE_BYTES/],
      [join(logsDir, "missing.log"), /no such file/],
      [logsDir, /outside the folders/],
      [join(logsDir, "sub"), /not a regular file/],
    ];
    for (const [filepath, message] of refused) {
      const r = await call(client, "analyze_log_file", { filepath });
      expect(r.isError, filepath).toBe(true);
      expect(textOf(r), filepath).toMatch(message);
      expect(textOf(r)).not.toMatch(/secret$/m);
    }
  });

  it("reads stored anomalies, logs, templates and incidents from real data", async () => {
    const found = await call(client, "search_anomalies", { detector: "new_template", limit: 5 });
    expect(found.isError, textOf(found)).toBeFalsy();
    const anomalies = (found.structuredContent as { anomalies: { id: number; detector: string }[] })
      .anomalies;
    expect(anomalies.length).toBeGreaterThan(0);
    expect(anomalies.every((a) => a.detector === "new_template")).toBe(true);
    expect(found.content[0]).toMatchObject({ type: "text", text: expect.stringMatching(/anomal/) });

    const filtered = await call(client, "search_anomalies", {
      service: "sshd",
      status: ["open"],
      severity: ["low", "medium", "high", "critical"],
      since: "2020-01-01T00:00:00+02:00",
      text: "sshd",
    });
    expect((filtered.structuredContent as { count: number }).count).toBeGreaterThan(0);

    const explained = await call(client, "explain_anomaly", { id: anomalies[0]!.id });
    expect(explained.isError, textOf(explained)).toBeFalsy();
    const e = explained.structuredContent as {
      explanation: string;
      evidence: { message: string }[];
      template: { template: string } | null;
      baseline: object;
      observed: object;
    };
    expect(e.explanation).toBeTruthy();
    expect(e.evidence.length).toBeGreaterThan(0);
    expect(e.template?.template).toBeTruthy();
    expect(textOf(explained)).toMatch(/Baseline:/);

    const notFound = await call(client, "explain_anomaly", { id: 999_999 });
    expect(notFound.isError).toBe(true);
    expect(textOf(notFound)).toMatch(/no anomaly 999999/);

    const logs = await call(client, "search_logs", { service: "sshd", text: "invalid user", limit: 5 });
    const found5 = logs.structuredContent as { logs: { message: string }[] };
    expect(found5.logs).toHaveLength(5);
    expect(found5.logs.every((l) => /invalid user/i.test(l.message))).toBe(true);
    const errors = await call(client, "search_logs", { min_level: "error" });
    expect((errors.structuredContent as { logs: { service: string }[] }).logs[0]?.service).toBe("payments");

    for (const order of ["new", "rare", "frequent"]) {
      const t = await call(client, "list_templates", { order, service: "sshd", limit: 3 });
      expect((t.structuredContent as { templates: unknown[] }).templates, order).toHaveLength(3);
    }
    const rare = await call(client, "list_templates", { order: "rare", limit: 2 });
    const frequent = await call(client, "list_templates", { order: "frequent", limit: 1 });
    const counts = (r: typeof rare) => (r.structuredContent as { templates: { count: number }[] }).templates;
    expect(counts(rare)[0]!.count).toBeLessThanOrEqual(counts(frequent)[0]!.count);

    const incidents = await call(client, "list_incidents", { status: "open" });
    expect((incidents.structuredContent as { count: number }).count).toBeGreaterThan(0);
  });

  it("answers alert triage defensively and records verdicts that feed suppression", async () => {
    const triage = await call(client, "get_alert_triage", {});
    // The store's migrations create the triage tables, so the tool answers: the verdicts triage has made
    // so far on the anomalies stored above.
    expect(triage.isError, textOf(triage)).toBeFalsy();
    const verdicts = (triage.structuredContent as { triage: unknown[] }).triage;
    expect(Array.isArray(verdicts)).toBe(true);
    for (const v of verdicts)
      expect(v).toMatchObject({ alert_id: expect.any(String), risk_score: expect.any(Number) });

    const open = await call(client, "search_anomalies", {
      detector: "new_template",
      status: ["open"],
      limit: 1,
    });
    const id = (open.structuredContent as { anomalies: { id: number }[] }).anomalies[0]!.id;
    const verdict = await call(client, "submit_verdict", {
      anomaly_id: id,
      verdict: "false_positive",
      comment: "deploy noise",
    });
    expect(verdict.isError, textOf(verdict)).toBeFalsy();
    expect(verdict.structuredContent).toMatchObject({
      anomaly: { id, status: "false_positive" },
      verdict: "false_positive",
      suppression: { detector: "new_template" },
    });
    const explained = await call(client, "explain_anomaly", { id });
    const history = (explained.structuredContent as { history: { actor: string; details: object }[] })
      .history;
    expect(history.at(-1)).toMatchObject({
      actor: "mcp-stdio",
      details: { to: "false_positive", comment: "deploy noise" },
    });

    const benign = await call(client, "submit_verdict", { anomaly_id: id, verdict: "benign" });
    expect(benign.structuredContent).toMatchObject({
      anomaly: { status: "resolved" },
      suppression: null,
      lifted_suppressions: [expect.any(Number)],
    });
  });

  it("exposes resources and the investigate_incident prompt", async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual([
      "logwarden://anomalies/recent",
      "logwarden://incidents/open",
    ]);
    const recent = await client.readResource({ uri: "logwarden://anomalies/recent" });
    expect(JSON.parse((recent.contents[0] as { text: string }).text).length).toBeGreaterThan(0);
    const incidents = await client.readResource({ uri: "logwarden://incidents/open" });
    const list = JSON.parse((incidents.contents[0] as { text: string }).text) as { id: number }[];
    expect(list.length).toBeGreaterThan(0);

    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(["investigate_incident"]);
    const prompt = await client.getPrompt({
      name: "investigate_incident",
      arguments: { incident_id: String(list[0]!.id) },
    });
    const text = (prompt.messages[0]!.content as { text: string }).text;
    expect(text).toMatch(new RegExp(`Incident #${list[0]!.id}`));
    expect(text).toMatch(/explain_anomaly/);
  });

  it("turns bad arguments into tool errors and keeps serving; logs only on stderr", async () => {
    const bad: [string, Record<string, unknown>][] = [
      ["explain_anomaly", { id: -1 }],
      ["explain_anomaly", { id: "1; drop table anomalies" }],
      ["analyze_logs", { log_data: "{not json" }],
      ["analyze_logs", { log_data: "[1, 2]" }],
      ["analyze_logs", { log_data: "[]", format: "xml" }],
      ["analyze_log_file", {}],
      ["search_anomalies", { severity: ["urgent"] }],
      ["search_anomalies", { since: "yesterday" }],
      ["submit_verdict", { anomaly_id: 1, verdict: "maybe" }],
      ["submit_verdict", { anomaly_id: 999_999, verdict: "true_positive" }],
    ];
    for (const [name, args] of bad) {
      const r = await call(client, name, args);
      expect(r.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect(textOf(r).length).toBeGreaterThan(5);
    }
    const stats = await call(client, "get_detection_stats");
    expect(stats.isError).toBeFalsy();
    expect(mcp.stderr()).toMatch(/MCP server ready on stdio/);
  });
});

describe("logwarden mcp process", () => {
  it("writes only JSON-RPC on stdout and exits 0 when the client closes stdin", async () => {
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    };
    const res = await runCli(["mcp"], {
      input: `${JSON.stringify(initialize)}\n`,
      env: { DATA_DIR: dataDir, LOG_LEVEL: "debug", MCP_ALLOWED_DIRS: logsDir },
    });
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      jsonrpc: "2.0",
      id: 1,
      result: { serverInfo: { name: "log-anomaly-detection" } },
    });
    expect(res.stderr).toMatch(/MCP server ready on stdio/);
  });
});
