import { randomUUID } from "node:crypto";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECODE_NOTE } from "../../src/core/input-budget.js";
import { decodeLine, LineAssembler } from "../../src/parsers/decoders/index.js";
import { encodeExportRequest } from "../../src/sources/otlp/codec.js";
import { clean, SyslogFrameReader } from "../../src/sources/syslog/framing.js";
import { postgresAvailable, TEST_PG_URL } from "../helpers/stores.js";
import { SEED } from "./fuzz/fuzz-run.js";
import { rssMiB } from "./fuzz/response-checks.js";
import {
  anyValueText,
  deepAnyValue,
  describeCase,
  exportRequestBytes,
  type HostileCase,
  hostileCase,
  jsonText,
} from "./hostile-lines-gen.js";
import {
  type Answer,
  answerProblems,
  closeUdp,
  FILE_SOURCE,
  type HostileServer,
  healthNotes,
  MAX_LINE_BYTES,
  MAX_MESSAGE_BYTES,
  mcpClient,
  PG_SOURCE,
  request,
  SYSLOG_SOURCE,
  serverErrors,
  startHostileServer,
  storedMarkers,
  tcpSend,
  textProblems,
  udpSend,
  uploadForm,
} from "./hostile-lines-server.js";

/**
 * Issue 49, "every log line is attacker input": a property-based fuzz of every door of a running
 * `logwarden serve` with generated hostile lines (hostile-lines-gen.ts: nesting to 20,000 levels, 200 KB
 * words, control characters, invalid UTF-8, lone surrogates, every JSON type where a string is expected,
 * numbers past a double, prototype keys, 20,000 keys), while a second client sends normal lines through
 * /ingest and syslog TCP the whole time. Each case goes through every door at once: /ingest (JSON and
 * NDJSON), the upload (/analyze/file?persist=true), syslog UDP and TCP, the file source, OTLP/HTTP JSON
 * and protobuf (protobufjs' encoder, and a hand-written deep one), MCP's analyze_logs (JSON and NDJSON)
 * and analyze_log_file, and the PostgreSQL source when one answers at TEST_DATABASE_URL.
 *
 * It asserts: the process never exits and /health/live answers throughout; every normal line answered
 * 2xx is stored, and every normal request was answered 2xx (after waiting out a 503's Retry-After, the
 * ingest queue's overload answer, which the normal client counts); every hostile request is stored or refused
 * with a 4xx and a JSON reason, never a 5xx, a stack trace, a path or an internal error's words; what a
 * door answered 2xx (and every marked line of the syslog and file doors) is found by the log search;
 * the lines the syslog and file sources kept as text are the count /health reports (`sources`).
 *
 * FUZZ_SEED (a number, or `random`) replays a run, as in fuzz/fuzz-run.ts; HOSTILE_LINES_RUNS (else
 * FUZZ_RUNS) sets the cases, 40 by default (about 40 s).
 */
const RUNS = Number(process.env.HOSTILE_LINES_RUNS ?? process.env.FUZZ_RUNS ?? 40);
/** Resident memory the server may reach (it idles near 200 MiB from the transpiled sources). */
const RSS_BOUND_MIB = 1024;
/** How long a door's acknowledged lines may take to be searchable (sources batch for 100 ms). */
const STORE_WAIT_MS = 10_000;
/** How long a line an HTTP door answered 2xx (committed before the answer) may take to be found. */
const IMMEDIATE_WAIT_MS = 1_000;
/** /health/live must answer within this while hostile lines are decoded. */
const LIVE_TIMEOUT_MS = 10_000;

/** This run's markers: `hx<run><case><door>z` for hostile lines, `nm<run><seq><door>z` for normal ones. */
const RUN = randomUUID()
  .replace(/[^a-f0-9]/g, "")
  .slice(0, 6);
const hostileMarker = (n: number, door: string) => `hx${RUN}${String(n).padStart(5, "0")}${door}z`;
const HOSTILE_PATTERN = new RegExp(`hx${RUN}\\d{5}[a-z]{2}z`, "g");
const NORMAL_PATTERN = new RegExp(`nm${RUN}\\d{6}[a-z]{2}z`, "g");

let hs: HostileServer;
let mcp: Client;
let pgAdmin: pg.Client | null = null;
const pgTable = `hostile_${process.pid}_${RUN}`;

beforeAll(async () => {
  const pgSources: Record<string, unknown>[] = [];
  if (await postgresAvailable()) {
    pgAdmin = new pg.Client({ connectionString: TEST_PG_URL });
    await pgAdmin.connect();
    await pgAdmin.query(
      `create table ${pgTable} (id bigserial primary key, logged_at timestamptz default now(), program text, host text, level text, message text, extra jsonb)`,
    );
    pgSources.push({
      type: "postgres",
      name: PG_SOURCE,
      url: TEST_PG_URL,
      table: pgTable,
      columns: {
        timestamp: "logged_at",
        program: "program",
        host: "host",
        message: "message",
        level: "level",
      },
      pollSecs: 0.1,
    });
  } else console.info("[hostile-lines] the PostgreSQL source's door is left out: no PostgreSQL answers");
  hs = await startHostileServer("hostile-lines", pgSources);
  mcp = await mcpClient(hs.base);
}, 90_000);

afterAll(async () => {
  closeUdp();
  await mcp?.close().catch(() => {});
  await hs?.close();
  if (pgAdmin) {
    await pgAdmin.query(`drop table if exists ${pgTable}`).catch(() => {});
    await pgAdmin.end();
  }
});

// ---------------------------------------------------------------------------------------------------
// The oracle: what the sources' decoders do with the bytes sent, to count the lines kept as text.

const oracleCtx = () => ({ observedAt: new Date().toISOString(), now: Date.now(), defaultService: "syslog" });
const noted = (line: string) => typeof decodeLine(line, oracleCtx()).attributes[DECODE_NOTE] === "string";

/**
 * The messages a UDP datagram, a TCP connection's bytes and a file's (or an upload's) bytes become, cut
 * where the source cuts them (maxMessageBytes; MAX_LINE_BYTES a file's line): a marker cut off is not expected.
 */
const messagesOfDatagram = (bytes: Buffer) => {
  const text = clean(bytes.subarray(0, MAX_MESSAGE_BYTES));
  return text === "" ? [] : [text];
};
const messagesOfTcp = (bytes: Buffer) => {
  const reader = new SyslogFrameReader(MAX_MESSAGE_BYTES);
  return [...reader.push(bytes), ...reader.end()];
};
const linesOf = (bytes: Buffer) => {
  const assembler = new LineAssembler({ lineLimitBytes: MAX_LINE_BYTES });
  return [...assembler.push(bytes), ...assembler.end()];
};
const carrying = (messages: string[], marker: string) =>
  messages.some((m) => m.includes(marker)) ? [marker] : [];

/** Newline is the framing of TCP syslog and of files: a line cannot hold one. */
const withoutLf = (bytes: Buffer) => Buffer.from(bytes.map((b) => (b === 0x0a ? 0x20 : b)));

/**
 * A line the file source reads as a record of its own: one that starts like a stack frame's continuation
 * (a space, a tab, `.`, `Caused by:`) would join the line before it, whichever run wrote that one.
 */
function ownRecord(bytes: Buffer): Buffer {
  const head = bytes.subarray(0, 12).toString("latin1");
  return /^[ \t.]|^Caused by:|^Traceback/.test(head) ? Buffer.concat([Buffer.from("~"), bytes]) : bytes;
}

const SYSLOG_HEAD = "<13>Oct 11 22:14:15 hostile-host app[7]: ";

// ---------------------------------------------------------------------------------------------------
// The doors. Each sends one case and says what it answered and which markers must now be stored.

interface DoorResult {
  door: string;
  /** HTTP status, `sent` for the sources' doors, `ok`/`tool-error`/`refused` for MCP. */
  outcome: string;
  problems: string[];
  expect: string[];
  /** Lines the door's source will report as kept as text (syslog, file). */
  notes?: number;
  /** A source's door: its lines are read after the send, not committed before an answer. */
  eventual?: boolean;
  /** Why it was refused (a 4xx's message, a tool error's text), shortened, for the report. */
  reason?: string;
}

type Door = (c: HostileCase, n: number) => Promise<DoorResult>;

const post = (path: string, body: Buffer | string | FormData, contentType?: string) =>
  request(hs.base, path, {
    method: "POST",
    headers: contentType ? { "content-type": contentType } : {},
    body,
  });

/** The /ingest log of a case as JSON text, its message `text` (or the wrong type the case asks for). */
function ingestEntry(c: HostileCase, text: string | Buffer): Buffer {
  const wrong = c.wrongType;
  const value = (field: string, usual: string) =>
    wrong?.field === field ? jsonText(wrong.value) : JSON.stringify(usual);
  const message =
    wrong?.field === "message"
      ? Buffer.from(jsonText(wrong.value))
      : typeof text === "string"
        ? Buffer.from(JSON.stringify(text))
        : Buffer.concat([Buffer.from('"'), text, Buffer.from('"')]);
  // Metadata must be an object: a hostile value that is not one goes under a key.
  const metadata =
    wrong?.field === "metadata"
      ? jsonText(wrong.value)
      : c.value.t === "obj" || c.value.t === "wide" || (c.value.t === "deep" && c.value.shape !== "array")
        ? jsonText(c.value)
        : `{"v":${jsonText(c.value)}}`;
  return Buffer.concat([
    Buffer.from(
      `{"service":${value("service", c.service)},"level":${value("level", c.level)},"timestamp":${value("timestamp", c.timestamp)},"message":`,
    ),
    message,
    Buffer.from(`,"metadata":${metadata}}`),
  ]);
}

const companion = (marker: string) =>
  Buffer.from(JSON.stringify({ service: "companion", level: "INFO", message: `companion line ${marker}` }));

/** A refusal's reason, shortened for the report: the JSON `message` (or `error`), a protobuf Status' text. */
function reasonOf(answer: Answer): string | undefined {
  if (answer.status < 400) return undefined;
  const short = (t: string) => `${answer.status} ${t.replace(/\d+/g, "N").slice(0, 100)}`;
  if (/protobuf/.test(answer.headers["content-type"] ?? ""))
    return short(answer.body.toString("latin1").replace(/[^\x20-\x7e]/g, ""));
  try {
    const body = JSON.parse(answer.body.toString("utf8")) as Record<string, unknown>;
    return short(String(body.message ?? body.error ?? body.detail));
  } catch {
    return short(answer.body.toString("utf8"));
  }
}

/** What to expect of an /ingest answer: the markers when 2xx, and a `message` warning for a noted line. */
function ingestResult(
  door: string,
  answer: Answer,
  c: HostileCase,
  text: string,
  markers: string[],
): DoorResult {
  const problems = answerProblems("POST /ingest", answer);
  const ok = answer.status >= 200 && answer.status < 300;
  if (ok) {
    const body = JSON.parse(answer.body.toString("utf8")) as {
      ingested?: number;
      warnings?: { count: number; samples: { field: string }[] };
    };
    // The hostile log and its companion: both stored, or the request refused.
    if (body.ingested !== 2) problems.push(`answered ${answer.status} with ingested ${body.ingested}, not 2`);
    const w = body.warnings;
    if (c.wrongType === null && noted(text))
      if (!w) problems.push("a line kept as text was stored without a warning");
      else if (w.samples.length === w.count && !w.samples.some((s) => s.field === "message"))
        problems.push(
          `a line kept as text has no "message" warning: ${JSON.stringify(w.samples).slice(0, 300)}`,
        );
  }
  return {
    door,
    outcome: String(answer.status),
    problems,
    expect: ok ? markers : [],
    reason: reasonOf(answer),
  };
}

const ingestJson: Door = async (c, n) => {
  const marker = hostileMarker(n, "ij");
  const { text } = c.line.render(marker);
  const body = Buffer.concat([
    Buffer.from("["),
    ingestEntry(c, text),
    Buffer.from(","),
    companion(hostileMarker(n, "ic")),
    Buffer.from("]"),
  ]);
  const answer = await post("/ingest", body, "application/json");
  const markers = [hostileMarker(n, "ic")];
  if (c.line.form !== "none" && c.wrongType?.field !== "message") markers.push(marker);
  return ingestResult("ingest-json", answer, c, text, markers);
};

/** `bytes` as the inside of a JSON string written without escaping anything but quotes and newlines. */
const rawJsonString = (bytes: Buffer) =>
  Buffer.from(
    bytes
      .toString("latin1")
      .replace(/[\\"]/g, (ch) => `\\${ch}`)
      .replace(/\n/g, "\\n"),
    "latin1",
  );

const ingestNdjson: Door = async (c, n) => {
  const marker = hostileMarker(n, "in");
  const { text, bytes } = c.line.render(marker);
  const entry = ingestEntry(c, c.rawBytesInNdjson ? rawJsonString(bytes) : text);
  const body = Buffer.concat([
    entry,
    Buffer.from("\n"),
    companion(hostileMarker(n, "ik")),
    Buffer.from("\n"),
  ]);
  const answer = await post("/ingest", body, "application/x-ndjson");
  const markers = [hostileMarker(n, "ik")];
  if (c.line.form !== "none" && c.wrongType?.field !== "message") markers.push(marker);
  // Raw bytes decode as the server decodes them (U+FFFD for what is not UTF-8).
  const seen = c.rawBytesInNdjson ? bytes.toString("utf8") : text;
  return ingestResult("ingest-ndjson", answer, c, seen, markers);
};

const upload: Door = async (c, n) => {
  const marker = hostileMarker(n, "up");
  const { bytes } = c.line.render(marker);
  const before = hostileMarker(n, "ua");
  const after = hostileMarker(n, "ub");
  const file = Buffer.concat([
    Buffer.from(`normal upload line ${before}\n`),
    bytes,
    Buffer.from(`\nnormal upload line ${after}\n`),
  ]);
  const answer = await post("/analyze/file?persist=true", uploadForm("hostile.log", file));
  const problems = answerProblems("POST /analyze/file", answer);
  const ok = answer.status >= 200 && answer.status < 300;
  const markers = [before, after, ...carrying(linesOf(file), marker)];
  const reason = reasonOf(answer);
  return { door: "upload", outcome: String(answer.status), problems, expect: ok ? markers : [], reason };
};

const syslogUdp: Door = async (c, n) => {
  const marker = hostileMarker(n, "su");
  const { bytes } = c.line.render(marker);
  // A datagram holds at most 65,507 bytes; the source cuts at maxMessageBytes anyway.
  const datagram = Buffer.concat([Buffer.from(c.syslogHead ? SYSLOG_HEAD : ""), bytes]).subarray(0, 65_000);
  await udpSend(hs.udpPort, datagram);
  const messages = messagesOfDatagram(datagram);
  const notes = messages.filter(noted).length;
  return {
    door: "syslog-udp",
    outcome: "sent",
    problems: [],
    expect: carrying(messages, marker),
    notes,
    eventual: true,
  };
};

const syslogTcp: Door = async (c, n) => {
  const marker = hostileMarker(n, "st");
  const { bytes } = c.line.render(marker);
  const frame = Buffer.concat([
    Buffer.from(c.syslogHead ? SYSLOG_HEAD : ""),
    withoutLf(bytes),
    Buffer.from("\n"),
  ]);
  const problems: string[] = [];
  await tcpSend(hs.tcpPort, frame).catch((error: unknown) =>
    problems.push(`TCP send failed: ${String(error)}`),
  );
  const messages = messagesOfTcp(frame);
  const notes = messages.filter(noted).length;
  return {
    door: "syslog-tcp",
    outcome: "sent",
    problems,
    expect: carrying(messages, marker),
    notes,
    eventual: true,
  };
};

const fileSource: Door = async (c, n) => {
  const marker = hostileMarker(n, "fi");
  const { bytes } = c.line.render(marker);
  const line = Buffer.concat([ownRecord(withoutLf(bytes)), Buffer.from("\n")]);
  appendFileSync(hs.watched, line);
  const lines = linesOf(line);
  return {
    door: "file",
    outcome: "sent",
    problems: [],
    expect: carrying(lines, marker),
    notes: lines.filter(noted).length,
    eventual: true,
  };
};

const otlpJson: Door = async (c, n) => {
  const marker = hostileMarker(n, "oj");
  const { text } = c.line.render(marker);
  const body = c.otlpBody ? anyValueText(c.otlpBody) : `{"stringValue":${JSON.stringify(text)}}`;
  const request_ =
    `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":${JSON.stringify(c.service)}}}]},` +
    `"scopeLogs":[{"scope":{"name":"hostile"},"logRecords":[{"timeUnixNano":${c.otlpTime},"observedTimeUnixNano":${c.otlpTime},` +
    `"severityText":${JSON.stringify(c.level)},"body":${body},"attributes":[` +
    `{"key":"v","value":${anyValueText(c.value)}},{"key":"line","value":{"stringValue":${JSON.stringify(text)}}}]}]}]}]}`;
  const answer = await post("/v1/logs", request_, "application/json");
  const ok = answer.status >= 200 && answer.status < 300;
  const markers = ok && !c.otlpBody && c.line.form !== "none" ? [marker] : [];
  return {
    door: "otlp-json",
    outcome: String(answer.status),
    reason: reasonOf(answer),
    problems: answerProblems("POST /v1/logs", answer),
    expect: markers,
  };
};

/** The case's export as protobufjs encodes it; the parts its encoder refuses (past 100 levels) are left out. */
function protobufExport(c: HostileCase, text: string): Uint8Array {
  const parse = (t: string): unknown => {
    try {
      return JSON.parse(t);
    } catch {
      return undefined;
    }
  };
  const time = parse(c.otlpTime);
  const build = (withValue: boolean, withTime: boolean) => ({
    resourceLogs: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: c.service } }] },
        scopeLogs: [
          {
            logRecords: [
              {
                ...(withTime ? { timeUnixNano: time } : {}),
                severityText: c.level,
                body: { stringValue: text },
                attributes: withValue ? [{ key: "v", value: parse(anyValueText(c.value)) }] : [],
              },
            ],
          },
        ],
      },
    ],
  });
  for (const [withValue, withTime] of [
    [true, true],
    [true, false],
    [false, false],
  ] as const) {
    try {
      return encodeExportRequest(build(withValue, withTime));
    } catch {
      // protobufjs refuses it: fewer parts
    }
  }
  return encodeExportRequest(build(false, false));
}

const otlpProtobuf: Door = async (c, n) => {
  const marker = hostileMarker(n, "op");
  const { text } = c.line.render(marker);
  const answer = await post("/v1/logs", Buffer.from(protobufExport(c, text)), "application/x-protobuf");
  const ok = answer.status >= 200 && answer.status < 300;
  return {
    door: "otlp-protobuf",
    outcome: String(answer.status),
    reason: reasonOf(answer),
    problems: answerProblems("POST /v1/logs", answer, "application/x-protobuf"),
    expect: ok && c.line.form !== "none" ? [marker] : [],
  };
};

/** Hand-written protobuf: the line's raw bytes as the body, an attribute nested `protobufDepth` levels. */
const otlpDeepProtobuf: Door = async (c, n) => {
  const marker = hostileMarker(n, "od");
  const { bytes } = c.line.render(marker);
  const body = exportRequestBytes(c.service, bytes, deepAnyValue(c.protobufShape, c.protobufDepth));
  const answer = await post("/v1/logs", body, "application/x-protobuf");
  const ok = answer.status >= 200 && answer.status < 300;
  return {
    door: "otlp-protobuf-deep",
    outcome: String(answer.status),
    reason: reasonOf(answer),
    problems: answerProblems("POST /v1/logs", answer, "application/x-protobuf"),
    expect: ok && c.line.form !== "none" ? [marker] : [],
  };
};

/** Ten failed logins for root, then the hostile record as the eleventh: the brute-force anomaly lands on it. */
function mcpRecords(c: HostileCase, text: string, marker: string): string[] {
  const normal = JSON.stringify({
    user: "root",
    action: "failed",
    event_type: "login",
    source_ip: "10.9.9.9",
    message: "Failed password for root from 10.9.9.9 port 22 ssh2",
  });
  const wrong = c.wrongType;
  // A wrong type goes in one of the six fields system 002 echoes back (contracts §3.2).
  const echoed = wrong
    ? {
        message: "message",
        service: "event_type",
        level: "action",
        timestamp: "timestamp",
        metadata: "source_ip",
      }[wrong.field]
    : null;
  const fields: Record<string, string> = {
    user: '"root"',
    action: '"failed"',
    event_type: '"login"',
    source_ip: '"10.9.9.9"',
    message: JSON.stringify(text),
  };
  if (echoed && wrong) fields[echoed] = jsonText(wrong.value);
  const hostile = `{${Object.entries(fields)
    .map(([k, v]) => `"${k}":${v}`)
    .join(",")},"msg":${JSON.stringify(text)},"extra":${jsonText(c.value)},"mark":"${marker}"}`;
  return [...Array.from({ length: 10 }, () => normal), hostile];
}

/** A tool call's outcome: the markers it stored when it succeeded, its problems when it failed badly. */
async function mcpCall(
  door: string,
  tool: string,
  args: Record<string, unknown>,
  markers: string[],
): Promise<DoorResult> {
  try {
    const result = (await mcp.callTool({ name: tool, arguments: args })) as CallToolResult;
    const text = result.content.map((x) => (x.type === "text" ? x.text : "")).join("\n");
    if (result.isError) {
      const problems = textProblems(text);
      if (text.trim() === "") problems.push("a tool error without a reason");
      return { door, outcome: "tool-error", problems, expect: [], reason: text.slice(0, 100) };
    }
    const problems = textProblems(text.slice(0, 200_000));
    const total = (result.structuredContent as { total_events?: unknown } | undefined)?.total_events;
    if (typeof total !== "number") problems.push(`a result without total_events: ${text.slice(0, 200)}`);
    return { door, outcome: "ok", problems, expect: markers };
  } catch (error) {
    // The SDK throws for a JSON-RPC error (invalid arguments) or an HTTP refusal: a reason, never a crash.
    const message = String((error as Error).message);
    const problems = textProblems(message);
    if (/\b5\d\d\b/.test(message) && /HTTP/.test(message))
      problems.push(`an HTTP 5xx: ${message.slice(0, 300)}`);
    return { door, outcome: "refused", problems, expect: [], reason: message.slice(0, 100) };
  }
}

const mcpJson: Door = async (c, n) => {
  const marker = hostileMarker(n, "mj");
  const { text } = c.line.render(marker);
  const log_data = `[${mcpRecords(c, text, marker).join(",")}]`;
  return mcpCall(
    "mcp-json",
    "analyze_logs",
    { log_data, persist: true },
    c.line.form !== "none" ? [marker] : [],
  );
};

const mcpNdjson: Door = async (c, n) => {
  const marker = hostileMarker(n, "mn");
  const { text } = c.line.render(marker);
  const log_data = mcpRecords(c, text, marker).join("\n");
  const markers = c.line.form !== "none" ? [marker] : [];
  return mcpCall("mcp-ndjson", "analyze_logs", { log_data, format: "ndjson", persist: true }, markers);
};

const mcpFile: Door = async (c, n) => {
  const marker = hostileMarker(n, "mf");
  const { bytes } = c.line.render(marker);
  const before = hostileMarker(n, "ma");
  const path = join(hs.mcpDir, `hostile-${n}.log`);
  const file = Buffer.concat([Buffer.from(`normal mcp line ${before}\n`), bytes, Buffer.from("\n")]);
  writeFileSync(path, file);
  const markers = [before, ...carrying(linesOf(file), marker)];
  return mcpCall("mcp-file", "analyze_log_file", { filepath: path, persist: true }, markers);
};

/** A row for the PostgreSQL source: the line as `message` (without NUL, which `text` cannot hold), the value as jsonb. */
const postgresSource: Door = async (c, n) => {
  const marker = hostileMarker(n, "pg");
  const { text } = c.line.render(marker);
  const message = text.replaceAll("\u0000", "").replace(/[\ud800-\udfff]/g, (ch, i, s: string) => {
    const code = ch.charCodeAt(0);
    const pair =
      code < 0xdc00 ? /[\udc00-\udfff]/.test(s[i + 1] ?? "") : /[\ud800-\udbff]/.test(s[i - 1] ?? "");
    return pair ? ch : "\ufffd";
  });
  try {
    await pgAdmin!.query(
      `insert into ${pgTable} (program, host, level, message, extra) values ($1, $2, $3, $4, $5)`,
      ["hostile", "pg-host", "error", message, jsonText(c.value).replaceAll("\\u0000", "")],
    );
  } catch {
    // PostgreSQL refused the row itself (jsonb too deep, a number out of range): nothing reached the source.
    await pgAdmin!
      .query(`insert into ${pgTable} (program, host, level, message) values ($1, $2, $3, $4)`, [
        "hostile",
        "pg-host",
        "error",
        message,
      ])
      .catch(() => {});
  }
  const expect = c.line.form !== "none" ? [marker] : [];
  return { door: "postgres", outcome: "sent", problems: [], expect, eventual: true };
};

const DOORS: Door[] = [
  ingestJson,
  ingestNdjson,
  upload,
  syslogUdp,
  syslogTcp,
  fileSource,
  otlpJson,
  otlpProtobuf,
  otlpDeepProtobuf,
  mcpJson,
  mcpNdjson,
  mcpFile,
];

// ---------------------------------------------------------------------------------------------------
// The second client: normal lines through /ingest and syslog TCP, all the time.

class NormalClient {
  #seq = 0;
  #stopped = false;
  #running: Promise<void> | null = null;
  readonly acknowledged: string[] = [];
  readonly failures: string[] = [];
  requests = 0;
  /** 503 + Retry-After answers the client waited out and retried (overload, not failure). */
  refusals = 0;
  /** The hostile case being sent meanwhile (for the report). */
  during = -1;

  #marker(door: string) {
    return `nm${RUN}${String(++this.#seq).padStart(6, "0")}${door}z`;
  }

  start(): void {
    this.#running = (async () => {
      while (!this.#stopped) {
        await Promise.all([this.#ingest(), this.#syslog()]);
        await sleep(100);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  async #ingest(): Promise<void> {
    const markers = Array.from({ length: 10 }, () => this.#marker("ni"));
    const body = JSON.stringify(
      markers.map((m, i) => ({ service: "normal", level: "INFO", message: `normal line ${m} ${i}` })),
    );
    this.requests++;
    let answer = await this.#post(body);
    // A 503 with Retry-After is the ingest admission's overload answer: a hostile client's 200 KB lines
    // cost seconds each, the measured drain rate falls, and the queue refuses everyone for a moment. A
    // client retries after Retry-After, as shippers do; the line must then be taken. Counted, not hidden.
    for (let tries = 0; answer.status === 503 && answer.headers["retry-after"] && tries < 20; tries++) {
      this.refusals++;
      await sleep(Math.min(5, Number(answer.headers["retry-after"])) * 1000);
      answer = await this.#post(body);
    }
    if (answer.status >= 200 && answer.status < 300) this.acknowledged.push(...markers);
    else
      this.failures.push(
        `/ingest answered ${answer.status || answer.error} during case #${this.during}: ${answer.body.toString().slice(0, 200)}`,
      );
  }

  #post(body: string) {
    return request(hs.base, "/ingest", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
  }

  async #syslog(): Promise<void> {
    const markers = Array.from({ length: 5 }, () => this.#marker("ns"));
    const frame = markers
      .map((m) => `<14>Oct 11 22:14:15 normal-host normal[1]: normal line ${m}\n`)
      .join("");
    this.requests++;
    try {
      await tcpSend(hs.tcpPort, Buffer.from(frame));
      this.acknowledged.push(...markers);
    } catch (error) {
      this.failures.push(`syslog TCP failed during case #${this.during}: ${String(error)}`);
    }
  }
}

/** Polls /health/live the whole time; records every miss and the slowest answer. */
class LivenessProbe {
  #stopped = false;
  #running: Promise<void> | null = null;
  readonly misses: string[] = [];
  slowestMs = 0;
  probes = 0;

  start(): void {
    this.#running = (async () => {
      while (!this.#stopped) {
        const t0 = performance.now();
        const answer = await request(hs.base, "/health/live", {}, LIVE_TIMEOUT_MS);
        this.probes++;
        this.slowestMs = Math.max(this.slowestMs, performance.now() - t0);
        if (answer.status !== 200) this.misses.push(`/health/live: ${answer.status || answer.error}`);
        if (hs.server.child.exitCode !== null || hs.server.child.signalCode !== null)
          this.misses.push(`the server exited: ${hs.server.child.exitCode ?? hs.server.child.signalCode}`);
        await sleep(200);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }
}

/**
 * Waits until every marker in `expected` is found by the search and returns those that are not. A line a
 * source reads (`eventual`) is given STORE_WAIT_MS; a line an HTTP door answered 2xx was committed before
 * the answer, so it is looked for a moment only.
 */
async function missingAfterWait(
  prefix: string,
  pattern: RegExp,
  expected: Iterable<string>,
  eventual: ReadonlySet<string> = new Set(expected),
): Promise<string[]> {
  const want = new Set(expected);
  if (want.size === 0) return [];
  const t0 = Date.now();
  for (;;) {
    const found = await storedMarkers(hs.base, prefix, pattern);
    const missing = [...want].filter((m) => !found.has(m));
    const waited = Date.now() - t0;
    if (missing.length === 0 || waited > STORE_WAIT_MS) return missing;
    if (waited > IMMEDIATE_WAIT_MS && !missing.some((m) => eventual.has(m))) return missing;
    await sleep(200);
  }
}

describe("hostile lines at every door, beside a normal client", () => {
  it(
    `stores or refuses every hostile line with a reason, stays up, and loses no normal line (seed ${SEED}, ${RUNS} runs)`,
    async () => {
      const doors = pgAdmin ? [...DOORS, postgresSource] : DOORS;
      const cases = fc.sample(hostileCase, { seed: SEED, numRuns: RUNS });
      console.info(
        `[hostile-lines] seed ${SEED}, runs ${RUNS}, ${doors.length} doors: replay with FUZZ_SEED=${SEED} HOSTILE_LINES_RUNS=${RUNS}`,
      );
      const before = await healthNotes(hs.base);
      const normal = new NormalClient();
      const live = new LivenessProbe();
      const violations: string[] = [];
      const overloaded: string[] = [];
      /** A few distinct reasons each door gave for a refusal, for the report. */
      const reasons = new Map<string, Set<string>>();
      /** The slowest answers, for the report. */
      const slowest: { ms: number; what: string }[] = [];
      const outcomes = new Map<string, Map<string, number>>();
      const kinds = new Map<string, number>();
      const expectedNotes: Record<string, number> = { [SYSLOG_SOURCE]: 0, [FILE_SOURCE]: 0 };
      let storedChecked = 0;
      let maxRss = (await rssMiB(hs.server.child.pid!)) ?? 0;
      const t0 = performance.now();
      normal.start();
      live.start();
      try {
        for (const [n, c] of cases.entries()) {
          kinds.set(c.line.kind.split(":")[0]!, (kinds.get(c.line.kind.split(":")[0]!) ?? 0) + 1);
          normal.during = n;
          const results = await Promise.all(
            doors.map(async (door) => {
              const started = performance.now();
              const r = await door(c, n);
              slowest.push({
                ms: Math.round(performance.now() - started),
                what: `#${n} ${r.door} ${r.outcome} ${c.line.kind}`,
              });
              return r;
            }),
          );
          slowest.sort((a, b) => b.ms - a.ms).splice(5);
          const expected: string[] = [];
          const eventual = new Set<string>();
          for (const r of results) {
            if (r.eventual) for (const m of r.expect) eventual.add(m);
            const byDoor = outcomes.get(r.door) ?? new Map<string, number>();
            byDoor.set(r.outcome, (byDoor.get(r.outcome) ?? 0) + 1);
            outcomes.set(r.door, byDoor);
            for (const p of r.problems) violations.push(`#${n} ${r.door}: ${p} [${describeCase(c)}]`);
            if (r.reason) {
              const seen = reasons.get(r.door) ?? new Set<string>();
              if (seen.size < 6) seen.add(r.reason);
              reasons.set(r.door, seen);
            }
            // 503 with Retry-After is the ingest admission's overload answer (checkAnswer lets it pass).
            if (r.outcome.startsWith("5")) overloaded.push(`#${n} ${r.door} ${r.outcome}`);
            expected.push(...r.expect);
            if (r.door === "file") expectedNotes[FILE_SOURCE]! += r.notes ?? 0;
            if (r.door.startsWith("syslog")) expectedNotes[SYSLOG_SOURCE]! += r.notes ?? 0;
          }
          const missing = await missingAfterWait(
            `hx${RUN}${String(n).padStart(5, "0")}`,
            HOSTILE_PATTERN,
            expected,
            eventual,
          );
          storedChecked += expected.length - missing.length;
          for (const m of missing)
            violations.push(
              `#${n} ${m.slice(-3, -1)}: acknowledged or sent, not found by the search [${describeCase(c)}]`,
            );
          const rss = await rssMiB(hs.server.child.pid!);
          if (rss === null) {
            violations.push(`#${n}: the server process is gone [${describeCase(c)}]`);
            break;
          }
          maxRss = Math.max(maxRss, rss);
        }
      } finally {
        await normal.stop();
        await live.stop();
      }
      const seconds = (performance.now() - t0) / 1000;

      const normalMissing = await missingAfterWait(`nm${RUN}`, NORMAL_PATTERN, normal.acknowledged);
      // Every line is committed before the sources' counters move; give the last batch its linger.
      let after = await healthNotes(hs.base);
      const deadline = Date.now() + 5_000;
      const delta = (name: string) => (after.keptAsText[name] ?? 0) - (before.keptAsText[name] ?? 0);
      while (
        Date.now() < deadline &&
        Object.entries(expectedNotes).some(([name, count]) => delta(name) !== count)
      ) {
        await sleep(200);
        after = await healthNotes(hs.base);
      }
      const metrics = await request(hs.base, "/metrics");
      const finalLive = await request(hs.base, "/health/live");

      const report = {
        seed: SEED,
        runs: cases.length,
        doors: doors.length,
        seconds: Math.round(seconds * 10) / 10,
        hostileStoredChecked: storedChecked,
        outcomes: Object.fromEntries([...outcomes].map(([d, m]) => [d, Object.fromEntries(m)])),
        kinds: Object.fromEntries(kinds),
        normal: {
          requests: normal.requests,
          linesAcknowledged: normal.acknowledged.length,
          failures: normal.failures.length,
          refusedThenRetried: normal.refusals,
          missing: normalMissing.length,
        },
        keptAsText: {
          expected: expectedNotes,
          reported: Object.fromEntries(Object.keys(expectedNotes).map((name) => [name, delta(name)])),
        },
        overloaded,
        reasons: Object.fromEntries([...reasons].map(([d, r]) => [d, [...r]])),
        slowest: slowest.map((x) => `${x.what}: ${x.ms} ms`),
        stageFailures: after.stageFailures,
        liveness: { probes: live.probes, slowestMs: Math.round(live.slowestMs), misses: live.misses.length },
        rssMaxMiB: Math.round(maxRss),
        violations: violations.length,
      };
      console.info(`[hostile-lines] ${JSON.stringify(report)}`);
      for (const v of violations.slice(0, 40)) console.info(`[hostile-lines] ${v}`);
      for (const f of normal.failures.slice(0, 10)) console.info(`[hostile-lines] normal client: ${f}`);
      const errors = serverErrors(hs.server);
      if (errors.length > 0) console.info(`[hostile-lines] server errors:\n${errors.join("\n")}`);

      expect(hs.server.child.exitCode, "the server process is still running").toBeNull();
      expect(finalLive.status, "/health/live at the end").toBe(200);
      expect(metrics.status, "/metrics at the end (the prototype-pollution canary)").toBe(200);
      expect(live.misses, "/health/live throughout").toEqual([]);
      expect(normal.failures, "every normal request answered 2xx").toEqual([]);
      expect(normalMissing, "every acknowledged normal line stored").toEqual([]);
      expect(normal.acknowledged.length).toBeGreaterThan(0);
      expect(violations).toEqual([]);
      expect(report.keptAsText.reported, "lines kept as text, as /health reports them").toEqual(
        expectedNotes,
      );
      expect(after.stageFailures, "records a pipeline stage failed on").toEqual({});
      expect(maxRss, `server RSS peaked at ${Math.round(maxRss)} MiB`).toBeLessThan(RSS_BOUND_MIB);
    },
    120_000 + RUNS * 5_000,
  );
});
