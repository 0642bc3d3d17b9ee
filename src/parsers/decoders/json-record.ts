import { cutNote, DECODE_NOTE, withinBudget } from "../../core/input-budget.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.js";
import type { LogRecord } from "../../core/log-record.js";
import type { DecodeContext } from "./decode-context.js";
import { mergeFields, setField } from "./json-fields.js";
import { type SeverityValue, severityFromValue } from "./level-value.js";
import { keyValueListToObject, unwrapAnyValue } from "./otlp-value.js";
import { type EpochUnit, timestampFromValue } from "./timestamp-value.js";
import { windowsEventFacts } from "./windows-event.js";

type Role =
  | "time"
  | "observed"
  | "body"
  | "level"
  | "severityNumber"
  | "service"
  | "host"
  | "resource"
  | "attributes"
  | "metadata";

interface Alias {
  role: Role;
  /** Lower wins when an object has several keys for one role; the losers stay attributes. */
  rank: number;
  unit?: EpochUnit;
}

/** Field names (lower-case; matching is case-insensitive) and what they mean. */
const ALIASES = new Map<string, Alias>();
function alias(role: Role, names: readonly string[], unit?: EpochUnit): void {
  for (const name of names) ALIASES.set(name, { role, rank: ALIASES.size, ...(unit ? { unit } : {}) });
}
alias("time", ["timestamp", "time", "@timestamp", "ts", "date", "datetime"]);
alias("time", ["timeunixnano", "time_unix_nano"], "ns");
alias("observed", ["observedtimestamp", "observed_timestamp"]);
alias("observed", ["observedtimeunixnano", "observed_time_unix_nano"], "ns");
alias("body", ["message", "msg", "log", "body", "text", "short_message"]);
alias("level", [
  "level",
  "severity",
  "severity_text",
  "severitytext",
  "loglevel",
  "log.level",
  "log_level",
  "lvl",
  "levelname",
]);
alias("severityNumber", ["severitynumber", "severity_number"]);
alias("service", [
  "service",
  "service.name",
  "service_name",
  "servicename",
  "program",
  "app",
  "application",
  "app_name",
  "appname",
]);
alias("host", ["host", "hostname", "host.name", "host_name"]);
alias("resource", ["resource"]);
alias("attributes", ["attributes"]);
alias("metadata", ["metadata"]);

function aliasOf(key: string): Alias | undefined {
  return ALIASES.get(key) ?? ALIASES.get(key.toLowerCase());
}

/** A body value: a string (one trailing newline dropped, as Docker's json-file driver adds one) or an OTLP string. */
function bodyFrom(value: JsonValue): string | null {
  const v = typeof value === "string" ? value : unwrapAnyValue(value);
  if (typeof v !== "string") return null;
  if (v.endsWith("\n")) return v.slice(0, v.endsWith("\r\n") ? -2 : -1);
  return v;
}

/**
 * A service or host: a non-empty string, or an ECS-style object (`{"name": "api", "version": "2"}`)
 * whose other fields become `service.version`-style resource attributes.
 */
interface NamedValue {
  name: string;
  extra: JsonObject | null;
}
function namedFrom(value: JsonValue, nameKeys: readonly string[]): NamedValue | null {
  if (typeof value === "string") return value.trim() === "" ? null : { name: value, extra: null };
  if (!isJsonObject(value)) return null;
  for (const k of nameKeys) {
    const name = value[k];
    if (typeof name === "string" && name !== "") {
      const extra: JsonObject = {};
      for (const [ek, ev] of Object.entries(value)) if (ek !== k) setField(extra, ek, ev);
      return { name, extra };
    }
  }
  return null;
}

/** `attributes` / `resource` as a plain object or an OTLP KeyValue list (`resource` may wrap one). */
function fieldsFrom(value: JsonValue, allowOtlpResource: boolean): JsonObject | null {
  if (Array.isArray(value)) return keyValueListToObject(value);
  if (!isJsonObject(value)) return null;
  if (allowOtlpResource && Array.isArray(value.attributes)) return keyValueListToObject(value.attributes);
  return value;
}

interface Chosen<T> {
  key: string | null;
  rank: number;
  value: T | null;
}
function none<T>(): Chosen<T> {
  return { key: null, rank: Number.POSITIVE_INFINITY, value: null };
}
function choose<T>(c: Chosen<T>, key: string, rank: number, value: T | null): void {
  if (value !== null && rank < c.rank) {
    c.key = key;
    c.rank = rank;
    c.value = value;
  }
}

/**
 * Maps a JSON log object (a JSON line, an element of an HTTP body, a logfmt line) to a `LogRecord`.
 * See docs/decoders.md for the alias table. A field is consumed only when its value is usable for its
 * role (a `time` that does not parse stays an attribute), so nothing the producer sent is dropped.
 *
 * `fallbackBody` is the body when the object has no message field; without it the body is the compact
 * JSON of the remaining attributes, so the template miner still sees the event's content.
 *
 * Every caller hands it attacker data, so the object is held to the input budget first: past it, the
 * structure beyond the budget is cut (its shallow fields still map) and the record notes why.
 */
export function recordFromObject(obj: JsonObject, ctx: DecodeContext, fallbackBody?: string): LogRecord {
  const held = withinBudget(obj);
  if (held.excess === null) return mapObject(obj, ctx, fallbackBody);
  const record = mapObject(withScalarAliases(held.value, obj), ctx, fallbackBody);
  record.attributes[DECODE_NOTE] = cutNote(held.excess);
  return record;
}

/**
 * The cut object with every scalar field the alias table knows put back: an object of 20,000 keys is cut
 * after the first ten thousand or so, and its `message` or `time` may come after them.
 */
function withScalarAliases(cut: JsonObject, obj: JsonObject): JsonObject {
  for (const key of Object.keys(obj)) {
    const value = obj[key]!;
    if ((typeof value !== "object" || value === null) && !Object.hasOwn(cut, key) && aliasOf(key))
      setField(cut, key, value);
  }
  return cut;
}

function mapObject(obj: JsonObject, ctx: DecodeContext, fallbackBody?: string): LogRecord {
  const time = none<string>();
  const observed = none<string>();
  const body = none<string>();
  const level = none<SeverityValue>();
  const severityNumber = none<SeverityValue>();
  const service = none<NamedValue>();
  const host = none<NamedValue>();
  const resource = none<JsonObject>();
  const attributes = none<JsonObject>();
  const metadata = none<JsonObject>();
  // GELF numbers levels like syslog (3 = error), not like pino or OTel.
  const levelScale = Object.hasOwn(obj, "short_message") ? "syslog" : "auto";

  const keys = Object.keys(obj);
  for (const key of keys) {
    const a = aliasOf(key);
    if (a === undefined) continue;
    const value = obj[key]!;
    switch (a.role) {
      case "time":
      case "observed":
        choose(a.role === "time" ? time : observed, key, a.rank, timestampFromValue(value, ctx, a.unit));
        break;
      case "body":
        choose(body, key, a.rank, bodyFrom(value));
        break;
      case "level":
        choose(level, key, a.rank, severityFromValue(value, levelScale));
        break;
      case "severityNumber":
        choose(severityNumber, key, a.rank, severityFromValue(value, "otel"));
        break;
      case "service":
        choose(service, key, a.rank, namedFrom(value, ["name"]));
        break;
      case "host":
        choose(host, key, a.rank, namedFrom(value, ["name", "hostname"]));
        break;
      case "resource":
        choose(resource, key, a.rank, fieldsFrom(value, true));
        break;
      case "attributes":
        choose(attributes, key, a.rank, fieldsFrom(value, false));
        break;
      case "metadata":
        choose(metadata, key, a.rank, isJsonObject(value) ? value : null);
        break;
    }
  }

  // A Windows event keeps its time, machine and level under Event.System (windows-event.ts).
  const windows = windowsEventFacts(obj);
  if (windows) {
    if (!time.value && windows.time !== undefined) time.value = timestampFromValue(windows.time, ctx);
    if (!host.value && windows.computer) host.value = { name: windows.computer, extra: null };
    if (!level.value && windows.level) level.value = severityFromValue(windows.level, "auto");
  }

  const attrs: JsonObject = {};
  for (const key of keys) {
    if (
      key === time.key ||
      key === observed.key ||
      key === body.key ||
      key === level.key ||
      key === severityNumber.key ||
      key === service.key ||
      key === host.key ||
      key === resource.key ||
      key === attributes.key ||
      key === metadata.key
    ) {
      continue;
    }
    setField(attrs, key, obj[key]!);
  }
  // Top-level fields win a name clash; the nested value is kept under a prefix.
  if (attributes.value) mergeFields(attrs, attributes.value, "attributes");
  if (metadata.value) mergeFields(attrs, metadata.value, "metadata");

  const res: JsonObject = {};
  if (resource.value) mergeFields(res, resource.value, "resource");
  // An explicit top-level service/host is the producer's most direct statement, so it overrides `resource`.
  if (service.value) applyNamed(res, "service", service.value);
  if (host.value) applyNamed(res, "host", host.value);
  if (ctx.defaultService && typeof res["service.name"] !== "string") res["service.name"] = ctx.defaultService;

  let severityText = level.value?.text ?? null;
  let severityNum = level.value?.number ?? 0;
  if (severityNumber.value) {
    severityNum = severityNumber.value.number;
    severityText ??= severityNumber.value.text;
  }

  const observedTimestamp = observed.value ?? ctx.observedAt;
  return {
    timestamp: time.value ?? observedTimestamp,
    observedTimestamp,
    severityText,
    severityNumber: severityNum,
    body: body.value ?? fallbackBody ?? (keys.length === 0 || isEmpty(attrs) ? "" : JSON.stringify(attrs)),
    attributes: attrs,
    resource: res,
  };
}

function applyNamed(res: JsonObject, prefix: string, named: NamedValue): void {
  setField(res, `${prefix}.name`, named.name);
  if (named.extra) for (const [k, v] of Object.entries(named.extra)) setField(res, `${prefix}.${k}`, v);
}

function isEmpty(obj: JsonObject): boolean {
  for (const _ in obj) return false;
  return true;
}
