import type { JsonValue } from "../../core/json.js";
import { severityNumberOf } from "../../core/severity.js";

/** A record's severity: the text as the producer wrote it and the OpenTelemetry number (0 = unknown). */
export interface SeverityValue {
  text: string | null;
  number: number;
}

/**
 * How to read a numeric level:
 * - `auto` (a `level`-like field): multiples of 10 from 10 to 60 and anything above 24 are bunyan/pino
 *   levels, other numbers 1–24 are OpenTelemetry severity numbers. Pino's 10/20 (trace/debug) are far more
 *   common in the wild than OTel's INFO2/ERROR4, which is why they win the overlap.
 * - `otel` (a `severityNumber` field): 1–24 only.
 * - `syslog` (GELF, syslog PRI): 0–7, emerg..debug.
 */
export type LevelScale = "auto" | "otel" | "syslog";

const OTEL_NAMES = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/** The OpenTelemetry short name of a severity number (`INFO`, `INFO2`, … `FATAL4`), or null. */
export function otelSeverityName(n: number): string | null {
  if (!Number.isInteger(n) || n < 1 || n > 24) return null;
  const base = OTEL_NAMES[Math.floor((n - 1) / 4)]!;
  const step = (n - 1) % 4;
  return step === 0 ? base : `${base}${step + 1}`;
}

/** Syslog severities 0..7 in the short form syslog tools print. */
export const SYSLOG_SEVERITY_NAMES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

function pinoLevel(n: number): SeverityValue {
  if (n >= 60) return { text: "fatal", number: 21 };
  if (n >= 50) return { text: "error", number: 17 };
  if (n >= 40) return { text: "warn", number: 13 };
  if (n >= 30) return { text: "info", number: 9 };
  if (n >= 20) return { text: "debug", number: 5 };
  return { text: "trace", number: 1 };
}

/**
 * Level words `severityNumberOf` does not know but common loggers write: Serilog's abbreviations,
 * java.util.logging names, and the single letters of glog/Android/klog.
 */
const EXTRA_LEVELS: Record<string, number> = {
  verbose: 1,
  vrb: 1,
  trc: 1,
  finest: 1,
  finer: 2,
  fine: 5,
  dbg: 5,
  config: 9,
  inf: 9,
  wrn: 13,
  eror: 17,
  erro: 17,
  crt: 18,
  ftl: 21,
  v: 1,
  d: 5,
  i: 9,
  w: 13,
  e: 17,
  f: 21,
};

/** OTel severity number of a level word, knowing a few more words than the core table. */
export function levelWordNumber(word: string): number {
  const n = severityNumberOf(word);
  if (n !== 0) return n;
  const lower = word.toLowerCase();
  // Own keys only, as in severityNumberOf: `constructor` is a word a client may send.
  return Object.hasOwn(EXTRA_LEVELS, lower) ? EXTRA_LEVELS[lower]! : 0;
}

function fromNumber(n: number, scale: LevelScale): SeverityValue | null {
  if (!Number.isInteger(n)) return null;
  if (scale === "syslog") {
    const text = SYSLOG_SEVERITY_NAMES[n];
    return text === undefined ? null : { text, number: levelWordNumber(text) };
  }
  if (scale === "auto" && n >= 10 && (n % 10 === 0 || n > 24)) return pinoLevel(n);
  const text = otelSeverityName(n);
  return text === null ? null : { text, number: n };
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 3) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Reads a level field. Words keep their spelling in `text`; numbers get a derived text (pino's label,
 * the OTel short name, or the syslog name) because there is no word to keep. Null when the value is not
 * a usable level (empty, boolean, object, out-of-range number): the caller then keeps it as an attribute.
 */
export function severityFromValue(value: JsonValue | undefined, scale: LevelScale): SeverityValue | null {
  if (typeof value === "number") return fromNumber(value, scale);
  if (typeof value !== "string") return null;
  const word = value.trim();
  if (word === "") return null;
  if (isDigits(word)) return fromNumber(Number(word), scale);
  return { text: value, number: levelWordNumber(word) };
}
