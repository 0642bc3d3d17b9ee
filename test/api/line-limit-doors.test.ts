import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeIngestBody } from "../../src/api/ingest-decode/decode-body.js";
import { cutMark, LINE_BYTES, LINE_CUT } from "../../src/core/line-limit.js";
import type { StoredRecord } from "../../src/core/log-store.js";
import { type RunningSources, startSources } from "../../src/runtime/source-runner.js";
import { decodeLogRecords } from "../../src/service/packed-log-records.js";
import { FileSource } from "../../src/sources/file/index.js";
import { encodeExportRequest } from "../../src/sources/otlp/codec.js";
import { PostgresSource } from "../../src/sources/postgres/index.js";
import { SyslogSource } from "../../src/sources/syslog/index.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { postgresAvailable, TEST_PG_URL } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Issue 50 item 5: one limit for every door. A 12 MB line sent through each door (HTTP JSON and NDJSON,
 * the decode thread, system 002's /analyze, an upload, OTLP JSON and protobuf, syslog TCP and UDP, a file, the PostgreSQL
 * source) is stored cut the same way, to MAX_LINE_BYTES at a character boundary with the mark, and its
 * record flagged with the line's length; each door reports it. With LINE_TOO_LONG=refuse the HTTP doors
 * answer 413 line_too_long and store nothing of the request; the sources skip the line, count it and read
 * on. The limit is set low (32 KiB) so a UDP datagram (at most 64 KiB) is past it too.
 */
const MAX = 32 * 1024;
const TWELVE_MB = 12 * 1024 * 1024;
const pgAvailable = await postgresAvailable();

/** A line of exactly `bytes` UTF-8 bytes starting with `word` (a word the log search finds). */
function longLine(word: string, bytes = TWELVE_MB, prefix = ""): string {
  const head = `${prefix}${word} `;
  return head + "é".repeat(10) + "a".repeat(bytes - Buffer.byteLength(head) - 20);
}

async function storedWord(server: TestServer, word: string): Promise<StoredRecord[]> {
  return server.rt.logs.search({ text: word }, { limit: 10 });
}

/** The one record stored for `word`, once the door stored it. */
async function stored(server: TestServer, word: string): Promise<StoredRecord> {
  const [record] = await waitFor(async () => {
    const found = await storedWord(server, word);
    return found.length > 0 ? found : null;
  }, `the line of ${word} stored`);
  return record!;
}

/** What every door stores of a line of `bytes` (null: a door that could not count them). */
function expectCut(record: StoredRecord, bytes: number | null, word: string): void {
  expect(Buffer.byteLength(record.message)).toBeLessThanOrEqual(MAX);
  // A syslog line's header (its time, host and program) is not part of the stored message.
  expect(Buffer.byteLength(record.message)).toBeGreaterThan(MAX - 64);
  expect(record.message).toContain(word);
  expect(record.message.endsWith(cutMark(bytes, MAX))).toBe(true);
  expect(record.message).not.toContain("\ufffd");
  expect(record.attributes[LINE_CUT]).toBe(true);
  if (bytes !== null) expect(record.attributes[LINE_BYTES]).toBe(bytes);
}

function multipart(filename: string, content: string) {
  const boundary = "----lwlinelimit";
  const payload = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n${content}\r\n--${boundary}--\r\n`,
  );
  return { payload, headers: { ...auth, "content-type": `multipart/form-data; boundary=${boundary}` } };
}

function otlpRequest(line: string) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "otlp-app" } }] },
        scopeLogs: [{ logRecords: [{ timeUnixNano: "1767225600000000000", body: { stringValue: line } }] }],
      },
    ],
  };
}

async function tcpSend(port: number, data: string): Promise<void> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => socket.end(data, () => resolve()));
  });
}

async function udpSend(port: number, data: string): Promise<void> {
  const dgram = await import("node:dgram");
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) =>
    socket.send(data, port, "127.0.0.1", (error) => (error ? reject(error) : resolve())),
  );
  socket.close();
}

interface Doors {
  server: TestServer;
  syslog: SyslogSource;
  file: FileSource;
  dir: string;
  running: RunningSources;
}

async function openDoors(env: Record<string, string>): Promise<Doors> {
  const server = await startTestServer({ MAX_LINE_BYTES: String(MAX), ...env });
  const dir = mkdtempSync(join(tmpdir(), "logwarden-line-limit-"));
  const syslog = new SyslogSource("syslog", {
    type: "syslog",
    port: 0,
    host: "127.0.0.1",
    protocols: ["udp", "tcp"],
    maxConnections: 10,
    idleTimeoutSecs: 60,
  });
  const file = new FileSource("files", {
    type: "file",
    paths: [join(dir, "*.log"), join(dir, "*.gz")],
    startAt: "beginning",
    pollMs: 50,
    chunkBytes: 1024 * 1024,
  });
  const running = await startSources(server.rt, [syslog, file]);
  return { server, syslog, file, dir, running };
}

async function closeDoors(d: Doors | undefined): Promise<void> {
  await d?.running.stop();
  await d?.server.close();
  if (d) rmSync(d.dir, { recursive: true, force: true });
}

describe("a 12 MB line at every door, cut (LINE_TOO_LONG=cut, the default)", () => {
  let d: Doors;
  beforeAll(async () => {
    d = await openDoors({});
  });
  afterAll(async () => closeDoors(d));

  it("POST /ingest, JSON: cut, flagged, and counted in warnings", async () => {
    const res = await d.server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: [
        { service: "web", message: longLine("doorjson") },
        { service: "web", message: "shortjson ok" },
      ],
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const body = res.json();
    expect(body.ingested).toBe(2);
    expect(body.warnings.count).toBe(1);
    expect(body.warnings.samples[0]).toMatchObject({ index: 0, field: "message" });
    expect(body.warnings.samples[0].message).toContain(
      `line of ${TWELVE_MB} bytes cut to MAX_LINE_BYTES (${MAX})`,
    );
    expect(res.body.length).toBeLessThan(2_000);
    expectCut(await stored(d.server, "doorjson"), TWELVE_MB, "doorjson");
    expect((await stored(d.server, "shortjson")).message).toBe("shortjson ok");
  });

  it("POST /ingest, NDJSON on the event loop and on a decode thread: the same", async () => {
    const line = longLine("doorndjson");
    const body = `${JSON.stringify({ service: "web", message: line })}\n`;
    const res = await d.server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: { ...auth, "content-type": "application/x-ndjson" },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().warnings.count).toBe(1);
    expectCut(await stored(d.server, "doorndjson"), TWELVE_MB, "doorndjson");

    // What a decode thread does with such a body (`inject` starts no thread): the same record and warning.
    const decoded = decodeIngestBody(Buffer.from(body), "2026-01-01T00:00:00.000Z", {
      maxBytes: MAX,
      onTooLong: "cut",
    })!;
    expect(decoded.warnings.count).toBe(1);
    const [record] = decodeLogRecords(decoded.chunks[0]!);
    expectCut(
      { message: record!.body, attributes: record!.attributes } as StoredRecord,
      TWELVE_MB,
      "doorndjson",
    );
  });

  it("POST /analyze/file?persist=true: cut as it is read, answered as lines_cut", async () => {
    const line = longLine("doorupload");
    const res = await d.server.app.inject({
      method: "POST",
      url: "/analyze/file?persist=true",
      ...multipart("app.log", `uploadbefore ok\n${line}\nuploadafter ok\n`),
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.json()).toMatchObject({ total_events: 3, lines_cut: 1 });
    expectCut(await stored(d.server, "doorupload"), TWELVE_MB, "doorupload");
    await stored(d.server, "uploadafter");
  });

  it("POST /analyze?persist=true (system 002's JSON logs): cut, flagged, answered as lines_cut", async () => {
    const res = await d.server.app.inject({
      method: "POST",
      url: "/analyze?persist=true",
      headers: auth,
      payload: { logs: [{ user: "alice", action: "failed", message: longLine("dooranalyze") }] },
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.json()).toMatchObject({ total_events: 1, lines_cut: 1 });
    expect(res.body.length).toBeLessThan(64 * 1024);
    expectCut(await stored(d.server, "dooranalyze"), TWELVE_MB, "dooranalyze");
  });

  it("OTLP/HTTP, JSON and protobuf: cut, and said in partialSuccess", async () => {
    const json = await d.server.app.inject({
      method: "POST",
      url: "/v1/logs",
      headers: { ...auth, "content-type": "application/json" },
      payload: JSON.stringify(otlpRequest(longLine("doorotlpjson"))),
    });
    expect(json.statusCode).toBe(200);
    expect(json.json().partialSuccess).toMatchObject({ rejectedLogRecords: "0" });
    expect(json.json().partialSuccess.errorMessage).toContain(
      "1 log record bodies were longer than MAX_LINE_BYTES",
    );
    expectCut(await stored(d.server, "doorotlpjson"), TWELVE_MB, "doorotlpjson");

    const proto = await d.server.app.inject({
      method: "POST",
      url: "/v1/logs",
      headers: { ...auth, "content-type": "application/x-protobuf" },
      payload: Buffer.from(encodeExportRequest(otlpRequest(longLine("doorotlpproto")))),
    });
    expect(proto.statusCode).toBe(200);
    expectCut(await stored(d.server, "doorotlpproto"), TWELVE_MB, "doorotlpproto");
  });

  it("syslog over TCP (octet counting and newline framing) and UDP: cut and counted", async () => {
    const port = d.syslog.ports().tcp!;
    const framed = longLine("doorsyslogtcp", TWELVE_MB, "<13>Oct 11 22:14:15 host app: ");
    await tcpSend(port, `${Buffer.byteLength(framed)} ${framed}`);
    expectCut(await stored(d.server, "doorsyslogtcp"), TWELVE_MB, "doorsyslogtcp");
    // Newline framing: the source emits the start without waiting for (or holding) the rest.
    const lf = longLine("doorsysloglf", TWELVE_MB, "<13>Oct 11 22:14:15 host app: ");
    await tcpSend(port, `${lf}\n<13>Oct 11 22:14:16 host app: doorsyslogafter ok\n`);
    expectCut(await stored(d.server, "doorsysloglf"), null, "doorsysloglf");
    await stored(d.server, "doorsyslogafter");
    // A datagram holds at most 64 KiB: past the 32 KiB limit here, cut the same way.
    const datagram = longLine("doorsyslogudp", 60_000, "<13>Oct 11 22:14:15 host app: ");
    await udpSend(d.syslog.ports().udp!, datagram);
    expectCut(await stored(d.server, "doorsyslogudp"), 60_000, "doorsyslogudp");
    expect(d.syslog.counters().truncatedMessages).toBe(3);
  });

  it("a file: one record for the line, read past without holding it, and the lines around it", async () => {
    writeFileSync(join(d.dir, "app.log"), `filebefore ok\n${longLine("doorfile")}\nfileafter ok\n`);
    expectCut(await stored(d.server, "doorfile"), TWELVE_MB, "doorfile");
    await stored(d.server, "fileafter");
    await stored(d.server, "filebefore");
    expect(d.file.counters().cutLines).toBe(1);
  });

  it("a compressed file: the line's start is one record, the rest read past", async () => {
    writeFileSync(join(d.dir, "old.log.gz"), gzipSync(`gzbefore ok\n${longLine("doorgz")}\ngzafter ok\n`));
    // Read once its writer is done with it (a second after its last change): the length is not counted.
    expectCut(await stored(d.server, "doorgz"), null, "doorgz");
    await stored(d.server, "gzafter");
    await stored(d.server, "gzbefore");
    // Three records from the file: the rest of the long line made none (it made eleven of a chunk each).
    expect(await d.server.rt.logs.search({ service: "old.log" }, { limit: 50 })).toHaveLength(3);
  });
});

describe.skipIf(!pgAvailable)("a 12 MB line from the PostgreSQL source", () => {
  const schema = `line_limit_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  let admin: pg.Client;
  let server: TestServer;
  let running: RunningSources | undefined;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.query(
      `create table ${schema}.app_logs (id bigserial primary key, logged_at timestamptz, program text, host text, message text)`,
    );
    server = await startTestServer({ MAX_LINE_BYTES: String(MAX) });
  });
  afterAll(async () => {
    await running?.stop();
    await server?.close();
    await admin?.query(`drop schema if exists ${schema} cascade`);
    await admin?.end();
  });

  it("is cut and flagged; the row after it is read", async () => {
    for (const message of [longLine("doorpostgres"), "doorpgafter ok"])
      await admin.query(
        `insert into ${schema}.app_logs (logged_at, program, host, message) values (now(), 'app', 'db', $1)`,
        [message],
      );
    const source = new PostgresSource("pg", {
      type: "postgres",
      url: TEST_PG_URL,
      table: `${schema}.app_logs`,
      columns: { timestamp: "logged_at", program: "program", host: "host", message: "message" },
      cursor: { column: "id", kind: "id" },
      pollSecs: 0.05,
      batchRows: 10,
    });
    running = await startSources(server.rt, [source]);
    expectCut(await stored(server, "doorpostgres"), TWELVE_MB, "doorpostgres");
    await stored(server, "doorpgafter");
    expect(source.counters().cutLines).toBe(1);
  });
});

describe("a 12 MB line at every door, refused (LINE_TOO_LONG=refuse)", () => {
  let d: Doors;
  beforeAll(async () => {
    d = await openDoors({ LINE_TOO_LONG: "refuse" });
  });
  afterAll(async () => closeDoors(d));

  const refused = (res: { statusCode: number; json: () => unknown }) => {
    expect(res.statusCode).toBe(413);
    const body = res.json() as { error: string; message: string };
    expect(body.error).toBe("line_too_long");
    expect(body.message).toContain(`a line of ${TWELVE_MB} bytes is longer than MAX_LINE_BYTES (${MAX})`);
  };

  it("HTTP doors answer 413 line_too_long and store nothing of the request", async () => {
    refused(
      await d.server.app.inject({
        method: "POST",
        url: "/ingest",
        headers: auth,
        payload: [{ message: "refusejsonshort ok" }, { message: longLine("refusejson") }],
      }),
    );
    refused(
      await d.server.app.inject({
        method: "POST",
        url: "/ingest",
        headers: { ...auth, "content-type": "application/x-ndjson" },
        payload: `${JSON.stringify({ message: "refusendjsonshort ok" })}\n${JSON.stringify({ message: longLine("refusendjson") })}\n`,
      }),
    );
    refused(
      await d.server.app.inject({
        method: "POST",
        url: "/v1/logs",
        headers: { ...auth, "content-type": "application/json" },
        payload: JSON.stringify(otlpRequest(longLine("refuseotlp"))),
      }),
    );
    refused(
      await d.server.app.inject({
        method: "POST",
        url: "/analyze/file",
        ...multipart("app.log", `${longLine("refuseupload")}\n`),
      }),
    );
    refused(
      await d.server.app.inject({
        method: "POST",
        url: "/analyze?persist=true",
        headers: auth,
        payload: { logs: [{ message: "refuseanalyzeshort ok" }, { message: longLine("refuseanalyze") }] },
      }),
    );
    // A decode thread hands such a body back to the event loop, which refuses it.
    const body = Buffer.from(`${JSON.stringify({ message: longLine("refusethread") })}\n`);
    expect(
      decodeIngestBody(body, "2026-01-01T00:00:00.000Z", { maxBytes: MAX, onTooLong: "refuse" }),
    ).toBeNull();
    for (const word of [
      "refusejsonshort",
      "refusejson",
      "refusendjsonshort",
      "refuseotlp",
      "refuseupload",
      "refuseanalyzeshort",
      "refuseanalyze",
    ])
      expect(await storedWord(d.server, word), word).toEqual([]);
  });

  it("syslog and files skip the line, count it, and read on", async () => {
    const framed = longLine("refusesyslog", TWELVE_MB, "<13>Oct 11 22:14:15 host app: ");
    await tcpSend(
      d.syslog.ports().tcp!,
      `${Buffer.byteLength(framed)} ${framed}<13>Oct 11 22:14:16 host app: afterrefusedsyslog ok\n`,
    );
    await stored(d.server, "afterrefusedsyslog");
    expect(d.syslog.counters().refusedMessages).toBe(1);
    writeFileSync(join(d.dir, "app.log"), `${longLine("refusefile")}\nafterrefusedfile ok\n`);
    await stored(d.server, "afterrefusedfile");
    expect(d.file.counters().refusedLines).toBe(1);
    expect(await storedWord(d.server, "refusesyslog")).toEqual([]);
    expect(await storedWord(d.server, "refusefile")).toEqual([]);
  });
});
