import { cutNote, DECODE_NOTE, withinBudget } from "../../core/input-budget.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.js";
import { cutLine, DEFAULT_LINE_LIMIT, LINE_BYTES, LINE_CUT, type LineLimit } from "../../core/line-limit.js";
import type { LogRecord } from "../../core/log-record.js";
import { formatIsoUtc } from "../../parsers/decoders/iso-time.js";
import { setField } from "../../parsers/decoders/json-fields.js";
import { otelSeverityName } from "../../parsers/decoders/level-value.js";
import { keyValueListToObject, unwrapAnyValue } from "../../parsers/decoders/otlp-value.js";

export interface OtlpDecoded {
  records: LogRecord[];
  /** Log records that could not be used (not an object); reported in `partialSuccess`. */
  rejected: number;
  errors: string[];
  /** Records whose body was past `MAX_LINE_BYTES`: cut (`LINE_TOO_LONG=cut`) and flagged. */
  cut: number;
  /** The first body past the limit, in bytes, when the limit refuses (`LINE_TOO_LONG=refuse`). */
  tooLong: number | null;
}

// Years past 9999 do not fit the store's fixed-width ISO text.
const MAX_MS = 253_402_300_799_999n;

/** `timeUnixNano` (decimal string or number, 0 = unset) → ISO UTC; null when unset or out of range. */
export function nanosToIso(value: JsonValue | undefined): string | null {
  let ns: bigint;
  try {
    if (typeof value === "string" && /^\d+$/.test(value)) ns = BigInt(value);
    else if (typeof value === "number" && Number.isFinite(value) && value > 0) ns = BigInt(Math.round(value));
    else return null;
  } catch {
    return null;
  }
  const ms = ns / 1_000_000n;
  if (ns <= 0n || ms > MAX_MS) return null;
  return formatIsoUtc(Number(ms));
}

const SEVERITY_ENUM = /^SEVERITY_NUMBER_([A-Z]+)(\d?)$/;
const SEVERITY_BASE: Record<string, number> = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 };

function severityNumberOf(value: JsonValue | undefined): number {
  let n = 0;
  if (typeof value === "number") n = value;
  else if (typeof value === "string") {
    const m = SEVERITY_ENUM.exec(value);
    if (m) n = (SEVERITY_BASE[m[1]!] ?? 0) + (m[2] ? Number(m[2]) - 1 : 0);
    else n = Number(value);
  }
  return Number.isInteger(n) && n >= 0 && n <= 24 ? n : 0;
}

function bodyText(body: JsonValue | undefined): string {
  if (body === undefined || body === null) return "";
  const v = unwrapAnyValue(body);
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** An OTLP object within the input budget (`withinBudget`), and the note its records carry when it was cut. */
function budgeted(value: JsonValue | undefined): { value: JsonValue | undefined; note: string | null } {
  if (!isJsonObject(value)) return { value, note: null };
  const held = withinBudget(value);
  return { value: held.value, note: held.excess === null ? null : cutNote(held.excess) };
}

function list(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Maps an `ExportLogsServiceRequest` (OTLP/JSON, or protobuf decoded to the same shape) onto records:
 * resource attributes → `resource`; the log record's attributes → `attributes`, with the scope as
 * `otel.scope.name`/`otel.scope.version`/`otel.scope.attributes`, trace context as `trace_id`, `span_id`,
 * `trace_flags`, and `event.name`; a non-string body (map, array, number…) becomes its compact JSON.
 */
export function recordsFromExportRequest(
  request: JsonValue,
  observedAt: string,
  limit: LineLimit = DEFAULT_LINE_LIMIT,
): OtlpDecoded {
  const out: OtlpDecoded = { records: [], rejected: 0, errors: [], cut: 0, tooLong: null };
  if (!isJsonObject(request)) {
    out.errors.push("the body is not an ExportLogsServiceRequest object");
    return out;
  }
  for (const rl of list(request.resourceLogs)) {
    if (!isJsonObject(rl)) continue;
    const resourceValue = budgeted(rl.resource);
    const resource =
      (isJsonObject(resourceValue.value) && keyValueListToObject(resourceValue.value.attributes)) || {};
    for (const sl of list(rl.scopeLogs)) {
      if (!isJsonObject(sl)) continue;
      const scopeValue = budgeted(sl.scope);
      const scope = isJsonObject(scopeValue.value) ? scopeValue.value : null;
      const scopeAttributes = scope ? keyValueListToObject(scope.attributes) : null;
      for (const item of list(sl.logRecords)) {
        if (!isJsonObject(item)) {
          out.rejected++;
          continue;
        }
        // Each part is held to the input budget on its own: a large export of small records is fine.
        const { value: lr, note } = budgeted(item) as { value: JsonObject; note: string | null };
        const attributes: JsonObject = {};
        for (const [k, v] of Object.entries(keyValueListToObject(lr.attributes) ?? {}))
          setField(attributes, k, v);
        if (scope && typeof scope.name === "string" && scope.name !== "")
          attributes["otel.scope.name"] = scope.name;
        if (scope && typeof scope.version === "string" && scope.version !== "")
          attributes["otel.scope.version"] = scope.version;
        if (scopeAttributes && Object.keys(scopeAttributes).length > 0)
          attributes["otel.scope.attributes"] = scopeAttributes;
        if (typeof lr.traceId === "string" && /[1-9a-f]/i.test(lr.traceId))
          attributes.trace_id = lr.traceId.toLowerCase();
        if (typeof lr.spanId === "string" && /[1-9a-f]/i.test(lr.spanId))
          attributes.span_id = lr.spanId.toLowerCase();
        const flags = Number(lr.flags ?? 0);
        if (Number.isInteger(flags) && flags > 0) attributes.trace_flags = flags & 0xff;
        if (typeof lr.eventName === "string" && lr.eventName !== "") attributes["event.name"] = lr.eventName;
        const cut = note ?? resourceValue.note ?? scopeValue.note;
        if (cut) attributes[DECODE_NOTE] = cut;
        const severityNumber = severityNumberOf(lr.severityNumber);
        const text = typeof lr.severityText === "string" && lr.severityText !== "" ? lr.severityText : null;
        const observed = nanosToIso(lr.observedTimeUnixNano);
        let body = bodyText(lr.body);
        const bodyCut = cutLine(body, limit.maxBytes);
        if (bodyCut) {
          if (limit.onTooLong === "refuse") {
            out.tooLong ??= bodyCut.originalBytes;
            continue;
          }
          body = bodyCut.text;
          attributes[LINE_CUT] = true;
          if (bodyCut.originalBytes !== null) attributes[LINE_BYTES] = bodyCut.originalBytes;
          out.cut++;
        }
        out.records.push({
          timestamp: nanosToIso(lr.timeUnixNano) ?? observed ?? observedAt,
          observedTimestamp: observed ?? observedAt,
          severityText: text ?? otelSeverityName(severityNumber),
          severityNumber,
          body,
          attributes,
          resource: { ...resource },
        });
      }
    }
  }
  return out;
}
