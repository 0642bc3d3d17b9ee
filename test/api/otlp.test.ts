import { gzipSync } from "node:zlib";
import { context, TraceFlags, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter as HttpJsonExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeExportRequest,
  ExportLogsServiceResponse,
  encodeExportRequest,
} from "../../src/sources/otlp/codec.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer;
let url: string;

beforeAll(async () => {
  // The `logs` table: these checks read its columns (`resource`, which no LogStore reader returns).
  server = await startTestServer({ LOG_STORE: "table" });
  await server.app.listen({ port: 0, host: "127.0.0.1" });
  const address = server.app.server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/v1/logs`;
});

afterAll(async () => {
  await server.close();
});

async function rowsWith(marker: string) {
  return server.rt.store.db
    .selectFrom("logs")
    .selectAll()
    .where("message", "like", `%${marker}%`)
    .orderBy("id")
    .execute();
}

const TRACE_ID = "5b8efff798038103d269b633813fc60c";
const SPAN_ID = "eee19b7ec3c1b174";

/** Emits through the official SDK and exporter, and waits until the export has been answered. */
async function emitWith(exporter: HttpJsonExporter | ProtoExporter, marker: string): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      "service.name": "checkout",
      "host.name": "web-1",
      "deployment.environment": "test",
    }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger("payments-lib", "1.2.3");
  const ctx = trace.setSpanContext(context.active(), {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
  });
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: "ERROR",
    body: `${marker} card declined`,
    attributes: { "user.id": 42, "payment.retry": true },
    timestamp: new Date("2026-02-01T09:30:00.123Z"),
    context: ctx,
  });
  logger.emit({ severityNumber: SeverityNumber.INFO, body: { event: marker, items: [1, 2] } });
  await provider.forceFlush();
  await provider.shutdown();
}

function checkRows(rows: Awaited<ReturnType<typeof rowsWith>>, marker: string) {
  expect(rows).toHaveLength(2);
  const [error, info] = rows;
  expect(error).toMatchObject({
    service: "checkout",
    host: "web-1",
    level: "ERROR",
    severity_number: 17,
    message: `${marker} card declined`,
    timestamp: "2026-02-01T09:30:00.123Z",
  });
  expect(JSON.parse(error!.metadata)).toMatchObject({
    "user.id": 42,
    "payment.retry": true,
    "otel.scope.name": "payments-lib",
    "otel.scope.version": "1.2.3",
    trace_id: TRACE_ID,
    span_id: SPAN_ID,
    trace_flags: 1,
  });
  expect(JSON.parse(error!.resource)).toMatchObject({
    "service.name": "checkout",
    "deployment.environment": "test",
  });
  expect(info).toMatchObject({ level: "INFO", severity_number: 9 });
  expect(JSON.parse(info!.message)).toEqual({ event: marker, items: [1, 2] });
}

describe("OTLP/HTTP logs receiver", () => {
  it("accepts the official OTLP/JSON exporter", async () => {
    await emitWith(
      new HttpJsonExporter({ url, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }),
      "json-exp",
    );
    checkRows(await rowsWith("json-exp"), "json-exp");
  });

  it("accepts the official OTLP/protobuf exporter", async () => {
    await emitWith(
      new ProtoExporter({ url, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }),
      "proto-exp",
    );
    checkRows(await rowsWith("proto-exp"), "proto-exp");
  });

  const request = (marker: string) => ({
    resourceLogs: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "raw" } }] },
        scopeLogs: [
          {
            scope: { name: "s" },
            logRecords: [
              {
                timeUnixNano: "1769938200000000000",
                severityNumber: 13,
                body: { stringValue: `${marker} disk almost full` },
                traceId: TRACE_ID,
                spanId: SPAN_ID,
              },
            ],
          },
        ],
      },
    ],
  });

  it("answers protobuf with a protobuf ExportLogsServiceResponse, gzip included", async () => {
    const body = gzipSync(encodeExportRequest(request("raw-proto")));
    const res = await fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        "content-type": "application/x-protobuf",
        "content-encoding": "gzip",
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    const decoded = ExportLogsServiceResponse.toObject(
      ExportLogsServiceResponse.decode(new Uint8Array(await res.arrayBuffer())),
    );
    expect(decoded).toEqual({});
    const [row] = await rowsWith("raw-proto");
    expect(row).toMatchObject({ service: "raw", level: "WARN", timestamp: "2026-02-01T09:30:00.000Z" });
    // The codec round-trips ids as OTLP/JSON's hex.
    expect(decodeExportRequest(encodeExportRequest(request("x")))).toMatchObject({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: TRACE_ID, spanId: SPAN_ID }] }] }],
    });
  });

  it("answers JSON with JSON, reporting rejected records in partialSuccess", async () => {
    const body = request("raw-json");
    (body.resourceLogs[0]!.scopeLogs[0]!.logRecords as unknown[]).push("not a record");
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      partialSuccess: { rejectedLogRecords: "1", errorMessage: expect.stringContaining("rejected") },
    });
    expect(await rowsWith("raw-json")).toHaveLength(1);
  });

  it("needs the ingest scope and rejects undecodable bodies with a Status", async () => {
    const noAuth = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(noAuth.status).toBe(401);
    const bad = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 3, message: expect.stringContaining("cannot decode") });
    const badProto = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/x-protobuf" },
      body: new Uint8Array([0xff, 0xff, 0xff]),
    });
    expect(badProto.status).toBe(400);
    expect(badProto.headers.get("content-type")).toBe("application/x-protobuf");
  });
});
