import type { JsonObject } from "../../core/json.js";
import type { LogRecord } from "../../core/log-record.js";
import { type DecodeContext, plausibleRecordTime, referenceNow } from "./decode-context.js";
import { setField } from "./json-fields.js";
import { levelWordNumber, SYSLOG_SEVERITY_NAMES } from "./level-value.js";
import { parseSyslogMessage, SYSLOG_FACILITY_NAMES, type SyslogMessage } from "./syslog-message.js";

export {
  type Pri,
  parsePri,
  parseRfc3164,
  parseRfc5424,
  parseStructuredData,
  parseSyslogMessage,
  parseTag,
  type StructuredData,
  SYSLOG_FACILITY_NAMES,
  type SyslogMessage,
} from "./syslog-message.js";

/**
 * `sshd(pam_unix)` is program `sshd` running module `pam_unix` (Linux PAM writes its tag this way);
 * the program is the service, the module goes to `log.component`.
 */
function splitProgram(app: string): { service: string; component: string | null } {
  const open = app.indexOf("(");
  if (open > 0 && app.endsWith(")"))
    return { service: app.slice(0, open), component: app.slice(open + 1, -1) };
  return { service: app, component: null };
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 10) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Maps a parsed syslog message to a `LogRecord` (field table in docs/decoders.md). */
export function syslogToRecord(msg: SyslogMessage, ctx: DecodeContext): LogRecord {
  const attributes: JsonObject = {};
  const resource: JsonObject = {};
  if (msg.facility !== null)
    attributes["syslog.facility"] = SYSLOG_FACILITY_NAMES[msg.facility] ?? msg.facility;
  if (msg.procId !== null) {
    if (isDigits(msg.procId)) attributes["process.pid"] = Number(msg.procId);
    else attributes["syslog.procid"] = msg.procId;
  }
  if (msg.msgId !== null) attributes["syslog.msgid"] = msg.msgId;
  if (msg.structuredData) {
    for (const id of Object.keys(msg.structuredData)) {
      const params = msg.structuredData[id]!;
      const names = Object.keys(params);
      if (names.length === 0) setField(attributes, `sd.${id}`, true);
      for (const name of names) setField(attributes, `sd.${id}.${name}`, params[name]!);
    }
  }
  if (msg.appName !== null) {
    const { service, component } = splitProgram(msg.appName);
    resource["service.name"] = service;
    if (component) attributes["log.component"] = component;
  } else if (ctx.defaultService) {
    resource["service.name"] = ctx.defaultService;
  }
  if (msg.hostname !== null) resource["host.name"] = msg.hostname;
  const severityText = msg.severity === null ? null : SYSLOG_SEVERITY_NAMES[msg.severity]!;
  return {
    timestamp:
      msg.timestamp !== null && plausibleRecordTime(msg.timestamp, ctx) ? msg.timestamp : ctx.observedAt,
    observedTimestamp: ctx.observedAt,
    severityText,
    severityNumber: severityText === null ? 0 : levelWordNumber(severityText),
    body: msg.message,
    attributes,
    resource,
  };
}

/**
 * Decodes one syslog line, RFC 5424 or RFC 3164 (with or without `<PRI>`); null when the line is neither.
 * The context's clock supplies the year RFC 3164 dates lack.
 */
export function parseSyslog(line: string, ctx: DecodeContext): LogRecord | null {
  const msg = parseSyslogMessage(line, referenceNow(ctx));
  return msg === null ? null : syslogToRecord(msg, ctx);
}
