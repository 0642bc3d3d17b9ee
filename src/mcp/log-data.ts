import { UserError } from "../core/errors.js";
import { isJsonObject, type JsonObject } from "../core/json.js";
import type { DecodeContext } from "../parsers/decoders/index.js";
import { recordFromObject } from "../parsers/decoders/index.js";
import type { AnalysisInput } from "../service/analysis-engine.js";

export type LogDataFormat = "json" | "ndjson";

function asInput(value: unknown, where: string, ctx: DecodeContext): AnalysisInput {
  if (!isJsonObject(value)) throw new UserError(`${where} is not a JSON object (a log record)`);
  return { record: recordFromObject(value, ctx), original: value as JsonObject };
}

/**
 * `analyze_logs`' `log_data` (contracts §3.6): JSON text of an array of records (or `{"logs": [...]}`,
 * as `POST /analyze` takes), or NDJSON, one record per line (blank lines skipped).
 */
export function parseLogData(text: string, format: LogDataFormat, ctx: DecodeContext): AnalysisInput[] {
  if (format === "ndjson") {
    const out: AnalysisInput[] = [];
    for (const [i, line] of text.split(/\r?\n/).entries()) {
      if (line.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new UserError(`log_data line ${i + 1} is not valid JSON: ${(error as Error).message}`);
      }
      out.push(asInput(value, `log_data line ${i + 1}`, ctx));
    }
    return out;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      `log_data is not valid JSON (${(error as Error).message}); for one record per line use format "ndjson"`,
    );
  }
  const list = Array.isArray(value)
    ? value
    : isJsonObject(value) && Array.isArray(value.logs)
      ? value.logs
      : null;
  if (!list) throw new UserError('log_data must be a JSON array of log records (or {"logs": [...]})');
  return list.map((v, i) => asInput(v, `log_data[${i}]`, ctx));
}
