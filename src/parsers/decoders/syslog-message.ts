import { parseBsdDate } from "./bsd-date.js";
import { formatIsoUtc, isoFromText, parseIso } from "./iso-time.js";
import { setField } from "./json-fields.js";

/**
 * Syslog wire/file formats parsed into their own fields, before any mapping to `LogRecord`, so a syslog
 * network source (UDP/TCP, octet-counted framing) can reuse the parsers on each framed message.
 */

/** Structured data of RFC 5424: SD-ID → param → value (a repeated param keeps every value, in order). */
export type StructuredData = Record<string, Record<string, string | string[]>>;

export interface SyslogMessage {
  format: "rfc5424" | "rfc3164";
  /** 0–23, null when the line had no `<PRI>` (a /var/log file line). */
  facility: number | null;
  /** 0 (emerg) – 7 (debug), null without `<PRI>`. */
  severity: number | null;
  /** ISO UTC with `Z`, null when absent (`-`) or unreadable. */
  timestamp: string | null;
  hostname: string | null;
  appName: string | null;
  procId: string | null;
  msgId: string | null;
  structuredData: StructuredData | null;
  message: string;
}

export interface Pri {
  facility: number;
  severity: number;
  /** Index just past `>`. */
  end: number;
}

/** `<PRI>` at the start of the line: 1–3 digits, value 0–191. */
export function parsePri(line: string): Pri | null {
  if (line.charCodeAt(0) !== 0x3c) return null;
  let value = 0;
  let i = 1;
  for (; i <= 4; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x3e) break;
    if (c < 48 || c > 57 || i === 4) return null;
    value = value * 10 + (c - 48);
  }
  if (i === 1 || value > 191) return null;
  return { facility: value >> 3, severity: value & 7, end: i + 1 };
}

/** Facility names as rsyslog prints them. */
export const SYSLOG_FACILITY_NAMES = [
  "kern",
  "user",
  "mail",
  "daemon",
  "auth",
  "syslog",
  "lpr",
  "news",
  "uucp",
  "cron",
  "authpriv",
  "ftp",
  "ntp",
  "security",
  "console",
  "solaris-cron",
  "local0",
  "local1",
  "local2",
  "local3",
  "local4",
  "local5",
  "local6",
  "local7",
];

function nil(token: string): string | null {
  return token === "-" || token === "" ? null : token;
}

/** The space-delimited token at `i`; `end` is the index of the following space (or the line's end). */
function token(line: string, i: number): { text: string; end: number } {
  const sp = line.indexOf(" ", i);
  const end = sp === -1 ? line.length : sp;
  return { text: line.slice(i, end), end };
}

/**
 * RFC 5424 structured data at `i` (`-` or `[id k="v" …]…`). Returns the parsed map and the index after it,
 * or null when malformed (the caller then treats the rest as the message, losing nothing).
 */
export function parseStructuredData(
  line: string,
  i: number,
): { sd: StructuredData | null; end: number } | null {
  if (line.charCodeAt(i) === 0x2d) return { sd: null, end: i + 1 };
  if (line.charCodeAt(i) !== 0x5b) return null;
  const sd: StructuredData = {};
  let p = i;
  while (line.charCodeAt(p) === 0x5b) {
    p++;
    let q = p;
    while (q < line.length && line[q] !== " " && line[q] !== "]") q++;
    if (q >= line.length || q === p) return null;
    const id = line.slice(p, q);
    // Object.hasOwn, not `sd[id]`: an SD-ID such as `constructor` must not find Object.prototype's.
    const params: Record<string, string | string[]> = Object.hasOwn(sd, id) ? sd[id]! : {};
    setField(sd, id, params);
    p = q;
    while (line.charCodeAt(p) === 0x20) {
      p++;
      const eq = line.indexOf("=", p);
      if (eq <= p || line.charCodeAt(eq + 1) !== 0x22) return null;
      const name = line.slice(p, eq);
      let value = "";
      let r = eq + 2;
      let from = r;
      for (;;) {
        if (r >= line.length) return null;
        const c = line.charCodeAt(r);
        if (c === 0x5c) {
          // RFC 5424 escapes only `"`, `\` and `]`; any other backslash is kept as written.
          const n = line[r + 1];
          if (n === '"' || n === "\\" || n === "]") {
            value += line.slice(from, r) + n;
            r += 2;
            from = r;
            continue;
          }
        } else if (c === 0x22) break;
        r++;
      }
      value += line.slice(from, r);
      const prev = Object.hasOwn(params, name) ? params[name] : undefined;
      setField(
        params,
        name,
        prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value],
      );
      p = r + 1;
    }
    if (line.charCodeAt(p) !== 0x5d) return null;
    p++;
  }
  return { sd, end: p };
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** RFC 5424 after the PRI: `1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]`. Null unless the version is there. */
export function parseRfc5424(line: string, pri: Pri): SyslogMessage | null {
  let i = pri.end;
  const v = line.charCodeAt(i);
  if (v < 49 || v > 57) return null;
  i++;
  if (line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  if (line.charCodeAt(i) !== 0x20) return null;
  const fields: string[] = [];
  let p = i + 1;
  for (let f = 0; f < 5; f++) {
    const t = token(line, p);
    fields.push(t.text);
    // Some senders end the header after MSGID when there is neither SD nor message; accept that.
    if (t.end >= line.length && f < 4) return null;
    p = Math.min(line.length, t.end + 1);
  }
  const [ts, host, app, proc, msgid] = fields as [string, string, string, string, string];
  const tsText = nil(ts);
  const timestamp = tsText === null ? null : isoFromText(tsText);
  const sdParsed = p < line.length ? parseStructuredData(line, p) : null;
  let message: string;
  let structuredData: StructuredData | null = null;
  if (sdParsed && (sdParsed.end >= line.length || line.charCodeAt(sdParsed.end) === 0x20)) {
    structuredData = sdParsed.sd;
    message = sdParsed.end < line.length ? line.slice(sdParsed.end + 1) : "";
  } else {
    message = line.slice(p);
  }
  return {
    format: "rfc5424",
    facility: pri.facility,
    severity: pri.severity,
    timestamp,
    hostname: nil(host),
    appName: nil(app),
    procId: nil(proc),
    msgId: nil(msgid),
    structuredData,
    message: stripBom(message),
  };
}

interface Tag {
  app: string;
  pid: string | null;
  /** Index where the message starts. */
  end: number;
}

/**
 * `TAG[PID]: ` or `TAG: ` at `i`. The tag runs to `[`, `:` or a space; a colon must be followed by a space
 * or the end, so `10:00 started` is not read as a tag.
 */
export function parseTag(line: string, i: number): Tag | null {
  const limit = Math.min(line.length, i + 128);
  let p = i;
  for (; p < limit; p++) {
    const c = line.charCodeAt(p);
    if (c === 0x5b || c === 0x3a || c === 0x20) break;
  }
  if (p === i || p >= limit) return null;
  const app = line.slice(i, p);
  let pid: string | null = null;
  if (line.charCodeAt(p) === 0x5b) {
    const close = line.indexOf("]", p);
    if (close === -1 || close - p > 32) return null;
    pid = line.slice(p + 1, close);
    p = close + 1;
  }
  if (line.charCodeAt(p) !== 0x3a) return null;
  p++;
  if (p < line.length && line.charCodeAt(p) !== 0x20) return null;
  return { app, pid, end: p < line.length ? p + 1 : p };
}

/**
 * RFC 3164 / BSD syslog at `pri.end` (or at 0 for a file line without PRI):
 * `Mmm dd hh:mm:ss HOST TAG[PID]: MSG`. The host is omitted by some local senders; a first token that is
 * itself a tag (`sshd[12]:`) is read as one. With a PRI, an ISO timestamp (rsyslog's high-precision
 * format) is accepted in place of the BSD date, and a line with no date at all is still syslog: the
 * rest becomes the message, as RFC 3164 prescribes for relays. Without a PRI a BSD date is required.
 */
export function parseRfc3164(line: string, pri: Pri | null, now: number): SyslogMessage | null {
  const start = pri ? pri.end : 0;
  let ms: number | null = null;
  let p = start;
  const bsd = parseBsdDate(line, start, now);
  if (bsd) {
    ms = bsd.ms;
    p = bsd.end;
  } else if (pri) {
    const c = line.charCodeAt(start);
    // Only an ISO-shaped token: parseIso's Date.parse fallback would read a bare "1" as 2001.
    if (c >= 48 && c <= 57 && line.charCodeAt(start + 4) === 0x2d) {
      const t = token(line, start);
      const iso = parseIso(t.text);
      if (iso !== null) {
        ms = iso;
        p = t.end;
      }
    }
  } else {
    return null;
  }
  let hostname: string | null = null;
  let tag: Tag | null = null;
  if (ms !== null) {
    while (line.charCodeAt(p) === 0x20) p++;
    tag = parseTag(line, p);
    if (tag === null) {
      const h = token(line, p);
      if (h.text !== "") {
        hostname = h.text;
        p = h.end < line.length ? h.end + 1 : h.end;
        tag = parseTag(line, p);
      }
    }
  } else {
    tag = parseTag(line, p);
  }
  if (tag) p = tag.end;
  return {
    format: "rfc3164",
    facility: pri ? pri.facility : null,
    severity: pri ? pri.severity : null,
    timestamp: ms === null ? null : formatIsoUtc(ms),
    hostname,
    appName: tag ? tag.app : null,
    procId: tag ? tag.pid : null,
    msgId: null,
    structuredData: null,
    message: line.slice(p),
  };
}

/** Either syslog format; null when the line is neither (no PRI and no BSD date prefix). */
export function parseSyslogMessage(line: string, now: number): SyslogMessage | null {
  const pri = parsePri(line);
  if (pri) return parseRfc5424(line, pri) ?? parseRfc3164(line, pri, now);
  return parseRfc3164(line, null, now);
}
