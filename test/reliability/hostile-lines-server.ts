import dgram from "node:dgram";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { logLines, type ServeProcess, startServe } from "../helpers/cli.js";
import { checkAnswer } from "./fuzz/response-checks.js";

/**
 * `logwarden serve` with every door open to hostile lines (test/reliability/hostile-lines*.test.ts): the
 * HTTP API (/ingest, /analyze/file, /v1/logs, /mcp), a syslog source on free UDP and TCP ports, a file
 * source on a temporary folder and, when given, a PostgreSQL source. Rate limits are off: the tests send
 * far more from one address than a per-IP budget allows, and a 429 would hide what they probe.
 */

export const ADMIN_TOKEN = "hostile-lines-admin-token";
export const SYSLOG_SOURCE = "hostile_syslog";
export const FILE_SOURCE = "hostile_file";
export const PG_SOURCE = "hostile_pg";
/** The syslog source's cut (its default, 64 KiB): the oracle cuts the same. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** The server's line limit: the ceiling (1 MiB), so the fuzz's largest lines meet the input budget whole. */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface HostileServer {
  server: ServeProcess;
  dir: string;
  base: string;
  tcpPort: number;
  udpPort: number;
  /** The file the file source tails; append lines to it. */
  watched: string;
  /** MCP_ALLOWED_DIRS' one folder (analyze_log_file). */
  mcpDir: string;
  close(): Promise<void>;
}

export async function startHostileServer(
  prefix: string,
  extraSources: Record<string, unknown>[] = [],
): Promise<HostileServer> {
  const dir = mkdtempSync(join(tmpdir(), `logwarden-${prefix}-`));
  const watchedDir = join(dir, "watched");
  const mcpDir = join(dir, "mcp-files");
  mkdirSync(watchedDir);
  mkdirSync(mcpDir);
  const watched = join(watchedDir, "hostile.log");
  writeFileSync(watched, "");
  const config = join(dir, "config.json");
  writeFileSync(
    config,
    JSON.stringify({
      sources: [
        { type: "syslog", name: SYSLOG_SOURCE, port: 0, maxMessageBytes: MAX_MESSAGE_BYTES },
        {
          type: "file",
          name: FILE_SOURCE,
          paths: [join(watchedDir, "*.log")],
          pollMs: 50,
          startAt: "beginning",
        },
        ...extraSources,
      ],
    }),
  );
  const server = await startServe(
    {
      DATA_DIR: dir,
      // Inside the temporary folder, so an answer naming the checkout is a leak.
      MODEL_DIR: join(dir, "models"),
      API_TOKEN: ADMIN_TOKEN,
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      RATE_LIMIT_PER_TOKEN: "off",
      RATE_LIMIT_PER_IP: "off",
      ANALYZE_RATE_LIMIT: "off",
      MCP_ALLOWED_DIRS: mcpDir,
      // The tests read what was stored from the `logs` table of the file directly.
      LOG_STORE: "table",
      // The fuzz judges the input budget (nesting, elements), whose hostile lines reach about 1 MB; the line
      // limit is judged by test/api/line-limit-doors.test.ts. At the default 256 KiB the doors would cut
      // the many-keys lines before their budget is met: here they get the limit's ceiling.
      MAX_LINE_BYTES: String(MAX_LINE_BYTES),
    },
    60_000,
    ["--config", config],
  ).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const listening = logLines(server).find((l) => l.msg === "syslog source listening");
  const tcpPort = Number(listening?.tcp);
  const udpPort = Number(listening?.udp);
  if (!(tcpPort > 0 && udpPort > 0)) {
    await server.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the syslog source's ports are not in the log:\n${server.stderr().slice(0, 4000)}`);
  }
  return {
    server,
    dir,
    base: server.url,
    tcpPort,
    udpPort,
    watched,
    mcpDir,
    async close() {
      await server.stop("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The server's error lines (pino level 50 and over), for a failure report. */
export function serverErrors(server: ServeProcess, max = 20): string[] {
  return server
    .stderr()
    .split("\n")
    .filter((line) => /"level":(5|6)\d/.test(line))
    .slice(0, max)
    .map((line) => line.slice(0, 1500));
}

export const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** One HTTP answer, read whole; `error` when the connection failed or timed out. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  error?: string;
}

export async function request(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer | string | FormData } = {},
  timeoutMs = 30_000,
): Promise<Answer> {
  try {
    const res = await fetch(`${base}${path}`, {
      method: init.method ?? "GET",
      headers: { ...auth, ...init.headers },
      body: init.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: Object.fromEntries(res.headers), body };
  } catch (error) {
    return { status: 0, headers: {}, body: Buffer.alloc(0), error: String((error as Error).message) };
  }
}

/** What an answer to a hostile request must not be or hold, besides checkAnswer's (fuzz/response-checks.ts). */
const INTERNAL_ERRORS =
  /Maximum call stack|RangeError|TypeError|ReferenceError|Cannot read propert|is not a function/;

/**
 * Problems with an answer to a hostile request at `operation` ("POST /ingest"): no answer, a 5xx, a 4xx
 * that is not JSON or gives no reason, a stack trace, an absolute path, an internal error's words.
 */
export function answerProblems(
  operation: string,
  answer: Answer,
  contentType = "application/json",
): string[] {
  if (answer.error) return [`no answer: ${answer.error}`];
  const [method = "", url = ""] = operation.split(" ");
  const problems = checkAnswer(
    { status: answer.status, headers: answer.headers, body: answer.body, ms: 0 },
    { operation, method, url, headers: { "content-type": contentType }, mutations: [], authorized: true },
  );
  const text = answer.body.toString("utf8");
  const protobufError = /protobuf/.test(answer.headers["content-type"] ?? "");
  if (answer.status >= 400 && answer.status < 500 && !protobufError) {
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      const reason = body.message ?? body.error ?? body.detail;
      if (reason === undefined || reason === "")
        problems.push(`${answer.status} without a reason: ${text.slice(0, 200)}`);
    } catch {
      // checkAnswer said so
    }
  }
  const internal = INTERNAL_ERRORS.exec(text);
  if (internal)
    problems.push(
      `an internal error in the answer: …${text.slice(Math.max(0, internal.index - 80), internal.index + 120)}…`,
    );
  return problems;
}

/** Problems with a text (an MCP tool's error) that a client reads: stack frames, paths, internal errors. */
export function textProblems(text: string): string[] {
  return answerProblems("POST /mcp", {
    status: 200,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify({ text })),
  });
}

/**
 * Every marker found by the log search (`GET /api/v1/logs?q=`, the last word a prefix) that starts with
 * `prefix` and matches `pattern`, over every page. Pages are small: hostile messages are up to 200 KB each.
 */
export async function storedMarkers(base: string, prefix: string, pattern: RegExp): Promise<Set<string>> {
  const found = new Set<string>();
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const q = new URLSearchParams({ q: prefix, limit: "100" });
    if (cursor) q.set("cursor", cursor);
    const answer = await request(base, `/api/v1/logs?${q}`);
    if (answer.status !== 200)
      throw new Error(`GET /api/v1/logs answered ${answer.status}: ${answer.body.toString().slice(0, 300)}`);
    const rows = JSON.parse(answer.body.toString("utf8")) as {
      id: number;
      message: string;
      truncated?: boolean;
    }[];
    for (const row of rows) {
      // A list shows a long message's first 16 KiB (issue 50): the whole line comes from its context.
      const message = row.truncated ? await wholeMessage(base, row.id) : row.message;
      for (const m of message.matchAll(pattern)) found.add(m[0]);
    }
    cursor = answer.headers["x-next-cursor"] ?? null;
    if (!cursor) break;
  }
  return found;
}

/** A stored line whole (up to MAX_LINE_BYTES), as `GET /api/v1/logs/:id/context` gives it. */
async function wholeMessage(base: string, id: number): Promise<string> {
  const answer = await request(base, `/api/v1/logs/${id}/context?before=0&after=0`);
  if (answer.status !== 200)
    throw new Error(
      `GET /api/v1/logs/${id}/context answered ${answer.status}: ${answer.body.toString().slice(0, 300)}`,
    );
  return (JSON.parse(answer.body.toString("utf8")) as { line: { message: string } }).line.message;
}

/** /health's report of the sources that kept lines as text, by name (`sources`), and stage failures. */
export async function healthNotes(
  base: string,
): Promise<{ keptAsText: Record<string, number>; stageFailures: Record<string, number>; status: number }> {
  const answer = await request(base, "/health");
  const body = JSON.parse(answer.body.toString("utf8")) as {
    sources?: Record<string, { kept_as_text: number }>;
    stage_failures?: Record<string, number>;
  };
  const keptAsText: Record<string, number> = {};
  for (const [name, s] of Object.entries(body.sources ?? {})) keptAsText[name] = s.kept_as_text;
  return { keptAsText, stageFailures: body.stage_failures ?? {}, status: answer.status };
}

/** Sends `bytes` over a fresh TCP connection to the syslog port and waits for the close. */
export async function tcpSend(port: number, bytes: Buffer): Promise<void> {
  const socket = net.connect(port, "127.0.0.1");
  const failed = new Promise<never>((_, reject) => socket.once("error", reject));
  await Promise.race([once(socket, "connect"), failed]);
  await Promise.race([new Promise<void>((resolve) => socket.end(bytes, () => resolve())), failed]);
  await Promise.race([once(socket, "close"), failed]);
}

let udp: dgram.Socket | null = null;

/** Sends one datagram to the syslog port (one shared socket). */
export function udpSend(port: number, bytes: Buffer): Promise<void> {
  udp ??= dgram.createSocket("udp4");
  const socket = udp;
  return new Promise((resolve, reject) =>
    socket.send(bytes, port, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
  );
}

export function closeUdp(): void {
  udp?.close();
  udp = null;
}

/** An MCP client over Streamable HTTP with the admin token (the official SDK). */
export async function mcpClient(base: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: auth },
  });
  const client = new Client({ name: "hostile-lines", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** A multipart body of one file field, as a browser uploads it. */
export function uploadForm(name: string, bytes: Buffer): FormData {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(bytes)]), name);
  return form;
}
