import type { IocType, NormalizedAlert } from "./types.js";

export interface Ioc {
  ioc: string;
  ioc_type: IocType;
  /** The alert field it came from; `threat_intel` enrichment is keyed by it (contracts §2.3). */
  field: string;
}

/**
 * IOCs of one alert: both IPs (`ip`, contracts §2.5), the file hash (`hash`), the URL (`url`) and its
 * domain (`domain`). Values are lower-cased where case carries no meaning, so one IOC is one cache row.
 */
export function extractIocs(n: NormalizedAlert): Ioc[] {
  const out: Ioc[] = [];
  if (n.source.ip) out.push({ ioc: n.source.ip.toLowerCase(), ioc_type: "ip", field: "source_ip" });
  if (n.destination.ip && n.destination.ip !== n.source.ip)
    out.push({ ioc: n.destination.ip.toLowerCase(), ioc_type: "ip", field: "target_ip" });
  const hash = n.file.hash.sha256 ?? n.file.hash.sha1 ?? n.file.hash.md5;
  if (hash) out.push({ ioc: hash.toLowerCase(), ioc_type: "hash", field: "file_hash" });
  if (n.url.full) out.push({ ioc: n.url.full, ioc_type: "url", field: "url" });
  if (n.url.domain) out.push({ ioc: n.url.domain.toLowerCase(), ioc_type: "domain", field: "domain" });
  return out;
}

/** Guesses an indicator's type from its text (plain-list and CSV feeds without a type column). */
export function guessIocType(value: string): IocType | null {
  const v = value.trim();
  if (/^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$/i.test(v)) return "hash";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v) || (v.includes(":") && /^[0-9a-f:]+$/i.test(v))) return "ip";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return "url";
  if (/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i.test(v)) return "domain";
  return null;
}

/** How a value of a type is stored: hashes, IPs and domains lower-case; URLs as given. */
export function canonicalIoc(value: string, type: IocType): string {
  return type === "url" ? value.trim() : value.trim().toLowerCase();
}
