import type { JsonObject } from "../../core/json.js";
import type { LogRecord } from "../../core/log-record.js";
import { timeCache } from "../drain/time-cache.js";
import { splitHeaderMemo } from "../header-memo.js";
import { inferYear } from "./bsd-date.js";
import { type DecodeContext, plausibleRecordTime, referenceNow } from "./decode-context.js";
import { levelWordNumber } from "./level-value.js";

/**
 * Decodes a plain-text line: `splitHeader` (through the thread's memo of line skeletons,
 * `header-memo.ts`) finds the timestamp, level, host, pid and component; the rest is the body. The component (a logger or class name such as `dfs.DataNode`) is kept as
 * `attributes["log.component"]` and, when the source names no service, also serves as `service.name` so
 * records group into per-component streams instead of one "unknown" stream. Without a timestamp the
 * record is stamped with the observed time. A header time that names no year (Android's `03-17`,
 * Proxifier's `[10.30 …]`, a syslog-style `Jun 14` the syslog decoder did not take) gets its year as
 * syslog's does (`inferYear`): the latest that puts it no more than a day after the context's clock, so a
 * file replayed with an old `observedAt` is not dated this year. A header time that cannot be the line's
 * (`plausibleRecordTime`: before 1990 or days ahead) was no header: the line is kept whole, stamped with
 * the observed time.
 */
export function decodePlain(line: string, ctx: DecodeContext): LogRecord {
  const h = splitHeaderMemo(line, ctx.timeGiven !== true);
  const attributes: JsonObject = {};
  const resource: JsonObject = {};
  if (h.pid !== null) attributes["process.pid"] = h.pid;
  if (h.component) attributes["log.component"] = h.component;
  const service = ctx.defaultService || h.component;
  if (service) resource["service.name"] = service;
  if (h.host) resource["host.name"] = h.host;
  let timestamp = h.timestamp;
  // Read right after the split: the flag belongs to the time just converted.
  if (timestamp !== null && timeCache.yearless) timestamp = withInferredYear(timestamp, ctx);
  if (timestamp !== null && !plausibleRecordTime(timestamp, ctx))
    return lineWithoutHeader(line, h.level, ctx);
  return {
    timestamp: timestamp ?? ctx.observedAt,
    observedTimestamp: ctx.observedAt,
    severityText: h.level,
    severityNumber: h.level ? levelWordNumber(h.level) : 0,
    body: h.body,
    attributes,
    resource,
  };
}

/**
 * `iso` (a year-less header time the splitter dated in the current year) in the year `inferYear` gives
 * for the context's clock; unchanged when no year of the last eight fits (Feb 29).
 */
function withInferredYear(iso: string, ctx: DecodeContext): string {
  const d = new Date(iso);
  const t = inferYear(
    d.getUTCMonth(),
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
    referenceNow(ctx),
  );
  return t === null ? iso : new Date(t).toISOString();
}

/** A line whose header time cannot be its record's: kept whole, with its level word when it names one. */
function lineWithoutHeader(line: string, level: string | null, ctx: DecodeContext): LogRecord {
  return {
    timestamp: ctx.observedAt,
    observedTimestamp: ctx.observedAt,
    severityText: level,
    severityNumber: level ? levelWordNumber(level) : 0,
    body: line,
    attributes: {},
    resource: ctx.defaultService ? { "service.name": ctx.defaultService } : {},
  };
}
