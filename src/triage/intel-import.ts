import { isJsonObject } from "../core/json.js";
import { csvRecords as parseCsv } from "../parsers/csv.js";
import type { Indicator } from "../store/repos/intel-feeds.js";
import { canonicalIoc, guessIocType } from "./iocs.js";
import { type IocType, THREAT_LEVELS, type ThreatLevel } from "./types.js";

export const INTEL_FORMATS = ["list", "csv", "stix"] as const;
export type IntelFormat = (typeof INTEL_FORMATS)[number];

export interface FeedDefaults {
  feed: string;
  threat_level: ThreatLevel;
  confidence: number;
}

/** Guesses a feed file's format from its content: a STIX bundle is JSON, a CSV has a header with `ioc`. */
export function detectIntelFormat(text: string): IntelFormat {
  const head = text.trimStart();
  if (head.startsWith("{")) return "stix";
  const first = head.split(/\r?\n/, 1)[0]?.toLowerCase() ?? "";
  return /(^|,)\s*"?(ioc|indicator|value)"?\s*(,|$)/.test(first) ? "csv" : "list";
}

const level = (v: string | undefined, fallback: ThreatLevel): ThreatLevel =>
  v && (THREAT_LEVELS as readonly string[]).includes(v.toLowerCase())
    ? (v.toLowerCase() as ThreatLevel)
    : fallback;

function indicator(
  value: string,
  type: IocType | null,
  d: FeedDefaults,
  extra: Partial<Indicator> = {},
): Indicator | null {
  const t = type ?? guessIocType(value);
  if (!t || value.trim() === "") return null;
  return {
    ioc: canonicalIoc(value, t),
    ioc_type: t,
    feed: d.feed,
    threat_level: extra.threat_level ?? d.threat_level,
    confidence: extra.confidence ?? d.confidence,
    description: extra.description ?? null,
  };
}

/** One indicator per line; `#` starts a comment. The type of each is guessed from its text. */
function fromList(text: string, d: FeedDefaults): Indicator[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter(Boolean)
    .map((l) => indicator(l.split(/[\s,;]/, 1)[0] ?? "", null, d))
    .filter((x): x is Indicator => x !== null);
}

/** Header `ioc` (or `indicator`/`value`), optional `type`, `threat_level`, `confidence` (0–1 or 0–100), `description`. */
function fromCsv(text: string, d: FeedDefaults): Indicator[] {
  return parseCsv(text)
    .map((r) => {
      const value = r.ioc ?? r.indicator ?? r.value ?? "";
      const rawType = (r.type ?? r.ioc_type ?? "").toLowerCase();
      const type = (["ip", "domain", "url", "hash"] as const).find((t) => t === rawType) ?? null;
      const c = Number(r.confidence);
      return indicator(value, type, d, {
        threat_level: level(r.threat_level ?? r.level, d.threat_level),
        confidence: Number.isFinite(c) && r.confidence !== "" ? (c > 1 ? c / 100 : c) : d.confidence,
        description: r.description || null,
      });
    })
    .filter((x): x is Indicator => x !== null);
}

const STIX_TYPES: [RegExp, IocType][] = [
  [/^ipv[46]-addr:value$/, "ip"],
  [/^domain-name:value$/, "domain"],
  [/^url:value$/, "url"],
  [/^file:hashes\.('?)(sha-?256|sha-?1|md5)\1$/i, "hash"],
];

/** The `[object:path = 'value']` comparisons of a STIX pattern (ORed or ANDed, each taken alone). */
export function stixPatternIocs(pattern: string): { value: string; type: IocType }[] {
  const out: { value: string; type: IocType }[] = [];
  for (const m of pattern.matchAll(/([a-z0-9-]+:[A-Za-z0-9_.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'/g)) {
    const path = m[1] ?? "";
    const type = STIX_TYPES.find(([re]) => re.test(path))?.[1];
    if (type) out.push({ value: (m[2] ?? "").replace(/\\(.)/g, "$1"), type });
  }
  return out;
}

/** STIX 2.1 bundle: `indicator` objects with `pattern_type: "stix"`; confidence 0–100; indicator_types → level. */
function fromStix(text: string, d: FeedDefaults): Indicator[] {
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch {
    throw new Error("STIX feed is not valid JSON");
  }
  if (!isJsonObject(bundle) || !Array.isArray(bundle.objects))
    throw new Error("expected a STIX 2.1 bundle with objects");
  const out: Indicator[] = [];
  for (const o of bundle.objects) {
    if (!isJsonObject(o) || o.type !== "indicator" || typeof o.pattern !== "string") continue;
    if (o.pattern_type !== undefined && o.pattern_type !== "stix") continue;
    const types = Array.isArray(o.indicator_types) ? o.indicator_types.map(String) : [];
    const tl: ThreatLevel = types.some((t) =>
      ["malicious-activity", "compromised", "attribution"].includes(t),
    )
      ? "malicious"
      : types.includes("benign")
        ? "clean"
        : types.some((t) => ["anomalous-activity", "unknown"].includes(t))
          ? "suspicious"
          : d.threat_level;
    const confidence = typeof o.confidence === "number" ? o.confidence / 100 : d.confidence;
    const description =
      typeof o.name === "string" ? o.name : typeof o.description === "string" ? o.description : null;
    for (const { value, type } of stixPatternIocs(o.pattern)) {
      const x = indicator(value, type, d, { threat_level: tl, confidence, description });
      if (x) out.push(x);
    }
  }
  return out;
}

export function parseIntelFeed(text: string, format: IntelFormat | "auto", d: FeedDefaults): Indicator[] {
  const f = format === "auto" ? detectIntelFormat(text) : format;
  if (f === "stix") return fromStix(text, d);
  if (f === "csv") return fromCsv(text, d);
  return fromList(text, d);
}
