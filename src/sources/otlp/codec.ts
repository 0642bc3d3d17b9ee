import protobuf from "protobufjs";
import type { JsonValue } from "../../core/json.js";
import { LOGS_PROTO } from "./logs-proto.js";

const root = protobuf.Root.fromJSON(LOGS_PROTO);
const Request = root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest");
const Response = root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse");
const Status = root.lookupType("google.rpc.Status");

/**
 * A protobuf `ExportLogsServiceRequest` as the same plain object OTLP/JSON gives: 64-bit integers as
 * decimal strings, enums as numbers, and `bytes` (trace and span ids) as hex, as OTLP/JSON writes them.
 */
export function decodeExportRequest(bytes: Uint8Array): JsonValue {
  const message = Request.decode(bytes);
  const plain = Request.toObject(message, { longs: String, enums: Number, bytes: Array, defaults: false });
  return toJsonWithHexBytes(plain);
}

function toJsonWithHexBytes(value: unknown, key = ""): JsonValue {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    // `bytes: Array` gives number arrays; trace/span ids become hex, `bytesValue` base64 (as in OTLP/JSON).
    if (key === "traceId" || key === "spanId") return Buffer.from(value as number[]).toString("hex");
    if (key === "bytesValue") return Buffer.from(value as number[]).toString("base64");
    return value.map((v) => toJsonWithHexBytes(v));
  }
  if (typeof value === "object") {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJsonWithHexBytes(v, k);
    return out;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return String(value);
}

/** An `ExportLogsServiceResponse`; `partialSuccess` only when something was rejected. */
export function encodeExportResponse(rejected: number, errorMessage: string): Uint8Array {
  const payload =
    rejected > 0 || errorMessage ? { partialSuccess: { rejectedLogRecords: rejected, errorMessage } } : {};
  return Response.encode(Response.fromObject(payload)).finish();
}

/** A `google.rpc.Status` body for an OTLP error response. */
export function encodeStatus(code: number, message: string): Uint8Array {
  return Status.encode(Status.fromObject({ code, message })).finish();
}

function withIdBytes(value: unknown, key = ""): unknown {
  if ((key === "traceId" || key === "spanId") && typeof value === "string") return Buffer.from(value, "hex");
  if (Array.isArray(value)) return value.map((v) => withIdBytes(v));
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withIdBytes(v, k)]));
  return value;
}

/** For tests and clients: encodes a request object (OTLP/JSON shape with hex ids) as protobuf. */
export function encodeExportRequest(request: object): Uint8Array {
  return Request.encode(Request.fromObject(withIdBytes(request) as Record<string, unknown>)).finish();
}

export { Response as ExportLogsServiceResponse };
