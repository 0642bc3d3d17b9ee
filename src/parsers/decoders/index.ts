export { type BsdDate, inferYear, looksLikeBsdDate, parseBsdDate } from "./bsd-date.js";
export { type DecodeContext, referenceNow } from "./decode-context.js";
export { type DecodedLine, decodeLine, decodeLineWithFormat, type LineFormat } from "./decode-line.js";
export { recordFromObject } from "./json-record.js";
export {
  type LevelScale,
  levelWordNumber,
  otelSeverityName,
  type SeverityValue,
  severityFromValue,
} from "./level-value.js";
export { LineAssembler, type LineAssemblerOptions, readRecords } from "./line-assembler.js";
export { decodeLogfmt, parseLogfmt } from "./logfmt.js";
export {
  type BodyError,
  type DecodedBody,
  decodeBody,
  decodeTextBody,
  type JsonBody,
  type JsonBodyShape,
  parseJsonBody,
  parseNdjson,
} from "./ndjson.js";
export { decodePlain } from "./plain.js";
export {
  type Pri,
  parsePri,
  parseRfc3164,
  parseRfc5424,
  parseStructuredData,
  parseSyslog,
  parseSyslogMessage,
  parseTag,
  type StructuredData,
  SYSLOG_FACILITY_NAMES,
  type SyslogMessage,
  syslogToRecord,
} from "./syslog.js";
export { type EpochUnit, epochToMs, timestampFromValue } from "./timestamp-value.js";
