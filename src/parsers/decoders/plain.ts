import type { JsonObject } from "../../core/json.js";
import type { LogRecord } from "../../core/log-record.js";
import { splitHeaderMemo } from "../header-memo.js";
import type { DecodeContext } from "./decode-context.js";
import { levelWordNumber } from "./level-value.js";

/**
 * Decodes a plain-text line: `splitHeader` (through the thread's memo of line skeletons,
 * `header-memo.ts`) finds the timestamp, level, host, pid and component; the rest is the body. The component (a logger or class name such as `dfs.DataNode`) is kept as
 * `attributes["log.component"]` and, when the source names no service, also serves as `service.name` so
 * records group into per-component streams instead of one "unknown" stream. Without a timestamp the
 * record is stamped with the observed time.
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
  return {
    timestamp: h.timestamp ?? ctx.observedAt,
    observedTimestamp: ctx.observedAt,
    severityText: h.level,
    severityNumber: h.level ? levelWordNumber(h.level) : 0,
    body: h.body,
    attributes,
    resource,
  };
}
