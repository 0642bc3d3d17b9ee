import type { Config } from "../config/schema.js";
import type { PostgresSourceConfig } from "../config/source-schema.js";
import { probePostgresSource } from "../sources/postgres/index.js";
import { sourceConfigs } from "../sources/registry.js";

export type SourceHealth = "ok" | "error" | "disabled";

const CACHE_MS = 5_000;
const cache = new WeakMap<Config, { at: number; value: Promise<SourceHealth> }>();

/**
 * `checks.source_postgres` of `GET /health` (contracts §1.5): `disabled` without a PostgreSQL source,
 * else whether every configured source relation can be read. Probed at most every 5 s per config, so a
 * health checker polling hard does not open a connection per request.
 */
export function sourcePostgresHealth(config: Config, now = Date.now()): Promise<SourceHealth> {
  const pgSources = sourceConfigs(config).filter((c): c is PostgresSourceConfig => c.type === "postgres");
  if (pgSources.length === 0) return Promise.resolve("disabled");
  const hit = cache.get(config);
  if (hit && now - hit.at < CACHE_MS) return hit.value;
  const value = Promise.all(pgSources.map((c) => probePostgresSource(c))).then((results) =>
    results.every((r) => r === "ok") ? "ok" : "error",
  );
  cache.set(config, { at: now, value });
  return value;
}
