import type { Kysely } from "kysely";
import type { JsonObject } from "../core/json.js";
import { isoUtc } from "../core/time.js";
import { cachedIntel, type IntelRow } from "../store/repos/alert-enrichment.js";
import { findIndicators } from "../store/repos/intel-feeds.js";
import type { Database } from "../store/schema.js";
import type { Ioc } from "./iocs.js";
import { THREAT_LEVELS, type ThreatLevel } from "./types.js";

/** An online reputation service (VirusTotal, AbuseIPDB…): a plug-in, none registered by default. */
export interface IntelProvider {
  readonly name: string;
  /** Verdicts for the IOCs it knows, keyed `type:ioc`; throwing fails the stage (retried, then dead-letter). */
  lookup(iocs: Ioc[]): Promise<Map<string, { threat_level: ThreatLevel; details: JsonObject }>>;
}

export const iocKey = (i: { ioc: string; ioc_type: string }) => `${i.ioc_type}:${i.ioc}`;
const rank = (l: ThreatLevel) => THREAT_LEVELS.indexOf(l);

/**
 * Resolves IOCs to verdicts: a `threat_intel` row younger than its TTL is reused; others are looked up
 * in the local feeds (`intel_indicators`) and the registered providers, the worst verdict winning.
 * Returns the rows to upsert (reused ones keep their expiry).
 */
export class IntelLookup {
  readonly providers: IntelProvider[] = [];

  constructor(private readonly ttlSecs: number) {}

  async resolve(db: Kysely<Database>, iocs: Ioc[], nowMs: number): Promise<Map<string, IntelRow>> {
    const unique = new Map<string, Ioc>();
    for (const i of iocs) unique.set(iocKey(i), i);
    const values = [...new Set([...unique.values()].map((i) => i.ioc))];
    const now = isoUtc(nowMs);
    const cached = await cachedIntel(db, values);
    const out = new Map<string, IntelRow>();
    const stale: Ioc[] = [];
    for (const [key, ioc] of unique) {
      // A fresh cached row, whatever its verdict (`unknown` too); an intel import expires the rows it lists.
      const row = cached.get(key);
      if (row && row.expires_at > now) {
        out.set(key, {
          ioc: row.ioc,
          ioc_type: row.ioc_type,
          threat_level: row.threat_level,
          source: row.source,
          details: row.details,
          expires_at: row.expires_at,
        });
      } else stale.push(ioc);
    }
    if (stale.length === 0) return out;

    const expires = isoUtc(nowMs + this.ttlSecs * 1000);
    const indicators = await findIndicators(db, [...new Set(stale.map((i) => i.ioc))]);
    const byKey = new Map<string, typeof indicators>();
    for (const x of indicators) {
      const list = byKey.get(iocKey(x)) ?? [];
      list.push(x);
      byKey.set(iocKey(x), list);
    }
    const online = await Promise.all(
      this.providers.map(async (p) => [p.name, await p.lookup(stale)] as const),
    );
    for (const ioc of stale) {
      const key = iocKey(ioc);
      const feeds = byKey.get(key) ?? [];
      let level: ThreatLevel = "unknown";
      const sources: string[] = [];
      for (const f of feeds) {
        if (rank(f.threat_level) > rank(level)) level = f.threat_level;
        sources.push(f.feed);
      }
      const providers: JsonObject = {};
      for (const [name, verdicts] of online) {
        const v = verdicts.get(key);
        if (!v) continue;
        providers[name] = { threat_level: v.threat_level, ...v.details };
        if (rank(v.threat_level) > rank(level)) level = v.threat_level;
        sources.push(name);
      }
      out.set(key, {
        ioc: ioc.ioc,
        ioc_type: ioc.ioc_type,
        threat_level: level,
        source: sources.length > 0 ? [...new Set(sources)].join(",") : "local-feeds",
        details: {
          feeds: feeds.map((f) => ({
            feed: f.feed,
            threat_level: f.threat_level,
            confidence: f.confidence,
            description: f.description,
          })),
          providers,
          confidence: feeds.reduce((m, f) => Math.max(m, f.confidence), 0),
        },
        expires_at: expires,
      });
    }
    return out;
  }
}
