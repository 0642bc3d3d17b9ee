import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import type { IocType, ThreatLevel } from "../triage-types.js";

export interface Indicator {
  ioc: string;
  ioc_type: IocType;
  feed: string;
  threat_level: ThreatLevel;
  /** 0–1: how much the feed trusts this entry. */
  confidence: number;
  description: string | null;
}

/**
 * Ends the cache life of the `threat_intel` verdicts for these IOC values, so the next alert on one is
 * looked up again in the feeds instead of reusing a verdict (often `unknown`) cached before the feed
 * knew it. The row stays (first_seen is kept); only `expires_at` moves to `now`.
 */
export async function expireCachedVerdicts(db: Kysely<Database>, iocs: string[], now: string): Promise<void> {
  for (let i = 0; i < iocs.length; i += 1000) {
    await db
      .updateTable("threat_intel")
      .set({ expires_at: now })
      .where("ioc", "in", iocs.slice(i, i + 1000))
      .where("expires_at", ">", now)
      .execute();
  }
}

/**
 * Adds or refreshes a feed's indicators (unique on ioc, type and feed) and expires the cached verdicts of
 * the IOCs it lists: every import path (CLI, API) goes through here, so none can leave a stale verdict.
 */
export async function upsertIndicators(
  db: Kysely<Database>,
  list: Indicator[],
  now: string,
): Promise<number> {
  for (let i = 0; i < list.length; i += 1000) {
    const chunk = list.slice(i, i + 1000);
    await db
      .insertInto("intel_indicators")
      .values(chunk.map((x) => ({ ...x, imported_at: now })))
      .onConflict((oc) =>
        oc.columns(["ioc", "ioc_type", "feed"]).doUpdateSet((eb) => ({
          threat_level: eb.ref("excluded.threat_level"),
          confidence: eb.ref("excluded.confidence"),
          description: eb.ref("excluded.description"),
          imported_at: eb.ref("excluded.imported_at"),
        })),
      )
      .execute();
    await expireCachedVerdicts(db, [...new Set(chunk.map((x) => x.ioc))], now);
  }
  return list.length;
}

export async function findIndicators(db: Kysely<Database>, iocs: string[]): Promise<Indicator[]> {
  if (iocs.length === 0) return [];
  const rows = await db
    .selectFrom("intel_indicators")
    .select(["ioc", "ioc_type", "feed", "threat_level", "confidence", "description"])
    .where("ioc", "in", iocs)
    .execute();
  return rows.map((r) => ({
    ...r,
    ioc_type: r.ioc_type as IocType,
    threat_level: r.threat_level as ThreatLevel,
    confidence: Number(r.confidence),
  }));
}

/** Feeds with their indicator counts. */
export async function listFeeds(db: Kysely<Database>) {
  const rows = await db
    .selectFrom("intel_indicators")
    .select([
      "feed",
      (eb) => eb.fn.countAll<number>().as("indicators"),
      (eb) => eb.fn.max("imported_at").as("imported_at"),
    ])
    .groupBy("feed")
    .orderBy("feed")
    .execute();
  return rows.map((r) => ({
    feed: r.feed,
    indicators: Number(r.indicators),
    imported_at: String(r.imported_at),
  }));
}
