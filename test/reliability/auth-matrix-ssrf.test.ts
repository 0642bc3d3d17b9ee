import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENV_KEYS } from "../../src/config/schema.js";
import type { Scope } from "../../src/store/repos/tokens.js";
import { REPO } from "../helpers/cli.js";
import { ADMIN_TOKEN, auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { type JsonSchema, type OpenApiDocument, operationsOf } from "./openapi-operations.js";
import { filesCallingOut, OUTBOUND } from "./outbound-calls.js";

/**
 * Issue 17: no configuration reachable by an API or MCP caller makes the server fetch a URL the caller
 * chooses. Every outbound connection in src/ is on a reviewed list with the settings that aim it, all
 * of them read from the environment or config file at start; then every operation of the OpenAPI
 * document and every MCP tool is called, by admin and non-admin tokens, with a URL of a listener the
 * "attacker" owns in every string it takes, and that listener must hear nothing while the configured
 * destinations (a stand-in on 127.0.0.1) keep receiving what the server sends.
 */

interface Canary {
  server: Server;
  url: string;
  hits: string[];
}

/** A local listener that records every request and answers what the scorer and sinks accept. */
async function canary(name: string): Promise<Canary> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ score: 0.01, errors: false, items: [], ok: true }));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/${name}`, hits };
}

/** A value for `schema` whose every string is `url` (enums keep a valid member). */
function urlFilled(schema: JsonSchema, url: string, depth = 0): unknown {
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length)
    return urlFilled(alternatives.find((s) => s.type !== "null") ?? alternatives[0]!, url, depth);
  switch (schema.type) {
    case "object": {
      if (depth > 5) return {};
      const props = Object.entries(schema.properties ?? {});
      return Object.fromEntries(props.map(([k, s]) => [k, urlFilled(s, url, depth + 1)]));
    }
    case "array":
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () =>
        urlFilled(schema.items ?? {}, url, depth + 1),
      );
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "boolean":
      return true;
    default:
      return schema.maxLength !== undefined ? url.slice(0, schema.maxLength) : url;
  }
}

const UNLIMITED = "1000000/minute";
let operator: Canary;
let attacker: Canary;
let server: TestServer;
let base: string;
const tokens: Partial<Record<Scope, string>> = {};
let requests = 0;

beforeAll(async () => {
  operator = await canary("operator");
  attacker = await canary("attacker");
  server = await startTestServer({
    RATE_LIMIT_PER_IP: UNLIMITED,
    RATE_LIMIT_PER_TOKEN: UNLIMITED,
    ANALYZE_RATE_LIMIT: UNLIMITED,
    ML_URL: `${operator.url}/score`,
    WEBHOOK_URL: `${operator.url}/webhook`,
    SLACK_WEBHOOK_URL: `${operator.url}/slack`,
    ELASTICSEARCH_URL: `${operator.url}/es`,
    TRIAGE_REMEDIATION_WEBHOOK_URL: `${operator.url}/remediate`,
  });
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  for (const scope of ["read", "ingest"] as const) {
    const res = await fetch(`${base}/api/v1/tokens`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: `ssrf ${scope}`, scopes: [scope] }),
    });
    tokens[scope] = ((await res.json()) as { token: string }).token;
  }
  tokens.admin = ADMIN_TOKEN;
});

afterAll(async () => {
  console.info(
    `[auth-matrix] SSRF: ${requests} probing requests, attacker listener hits ${attacker?.hits.length}, operator's ${operator?.hits.length}`,
  );
  await server?.close();
  for (const c of [operator, attacker]) c?.server.close();
});

describe("SSRF: where the server connects is the operator's configuration only", () => {
  it("calls out only from the reviewed files, each aimed by settings that exist", () => {
    expect(filesCallingOut(REPO)).toEqual(Object.keys(OUTBOUND).sort());
    const settings = Object.values(OUTBOUND).flatMap((o) => o.settings);
    expect(settings.filter((s) => !(s in ENV_KEYS))).toEqual([]);
  });

  it("sends nothing to a URL any token puts in any operation or tool, and its configuration stays as started", async () => {
    const before = JSON.stringify(server.rt.config);
    const probe = `${attacker.url}/probe?x=1`;
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as OpenApiDocument;
    const operations = operationsOf(doc);
    const reached = new Set<string>();
    for (const scope of ["admin", "read", "ingest"] as const) {
      for (const op of operations) {
        const query = new URLSearchParams();
        for (const p of op.parameters)
          if (p.in === "query") query.set(p.name, String(urlFilled(p.schema, probe)));
        const json = op.body?.contentType.includes("json");
        requests++;
        const res = await fetch(`${base}${op.url}${query.size ? `?${query}` : ""}`, {
          method: op.method,
          headers: {
            authorization: `Bearer ${tokens[scope]}`,
            ...(json ? { "content-type": "application/json" } : {}),
          },
          ...(json ? { body: JSON.stringify(urlFilled(op.body!.schema, probe)) } : {}),
        });
        await res.body?.cancel();
        if (res.status < 400) reached.add(`${op.key} (${scope})`);
      }
    }
    // Bodies that pass validation on the routes next to outbound calls: ingest (scorer, sinks),
    // analysis, a threat-intel feed of URLs, an inventory entry.
    const records = Array.from({ length: 12 }, (_, i) => ({
      timestamp: `2026-02-01T09:30:${String(10 + i).padStart(2, "0")}Z`,
      service: "web",
      level: "ERROR",
      user: "root",
      source_ip: "10.1.2.3",
      action: "failed",
      message: `Failed password for root from 10.1.2.3 callback=${probe} url=${probe}`,
      url: probe,
    }));
    for (const [method, path, body] of [
      ["POST", "/ingest", records],
      ["POST", "/analyze", { logs: records }],
      [
        "POST",
        "/api/v1/intel/feeds/ssrf",
        { format: "auto", content: `${probe}\n${attacker.url}/feed.txt\n` },
      ],
      ["PUT", "/api/v1/assets/ssrf", { hostname: probe, criticality: "high" }],
    ] as const) {
      requests++;
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}: ${await res.text()}`).toBeLessThan(300);
    }
    // MCP: every tool, admin token, every string argument a URL.
    const client = new Client({ name: "ssrf", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      }),
    );
    const { tools } = await client.listTools();
    for (const tool of tools) {
      const args = urlFilled(tool.inputSchema as JsonSchema, probe) as Record<string, unknown>;
      if ("log_data" in args) args.log_data = JSON.stringify(records);
      requests++;
      await client.callTool({ name: tool.name, arguments: args });
    }
    await client.close();
    // Sinks deliver off the request path: give them the time to (not) go anywhere else.
    await new Promise((done) => setTimeout(done, 2000));
    expect(attacker.hits).toEqual([]);
    expect(JSON.stringify(server.rt.config)).toBe(before);
    // The probe did drive the code that calls out: the configured scorer was asked, and by no other URL.
    expect(operator.hits.some((h) => h.startsWith("POST /operator/score"))).toBe(true);
    expect(reached.size).toBeGreaterThan(30);
  });
});
