import type { Config } from "../config/schema.js";
import type { SourceConfig } from "../config/source-schema.js";
import type { Source } from "../core/source.js";
import { FileSource } from "./file/index.js";
import { PostgresSource } from "./postgres/index.js";
import { SyslogSource } from "./syslog/index.js";

/**
 * Every source type `serve` can run. Adding one = adding its folder, its config schema in
 * `src/config/source-schema.ts`, and one entry here.
 */
const REGISTRY: {
  [T in SourceConfig["type"]]: (name: string, config: Extract<SourceConfig, { type: T }>) => Source;
} = {
  syslog: (name, config) => new SyslogSource(name, config),
  file: (name, config) => new FileSource(name, config),
  postgres: (name, config) => new PostgresSource(name, config),
};

export function sourceTypes(): string[] {
  return Object.keys(REGISTRY);
}

/** The configured sources: the config file's `sources:` plus the ones environment keys switch on. */
export function sourceConfigs(config: Config): SourceConfig[] {
  const out: SourceConfig[] = [...config.sources];
  if (config.syslogPort !== undefined) {
    out.push({
      type: "syslog",
      name: "syslog",
      port: config.syslogPort,
      host: config.syslogHost,
      protocols: ["udp", "tcp"],
      maxConnections: config.syslogMaxConnections,
      idleTimeoutSecs: config.syslogIdleTimeoutSecs,
    });
  }
  const pg = config.sourcePostgres;
  if (pg.url) {
    out.push({
      type: "postgres",
      name: "source_postgres",
      url: pg.url,
      table: pg.table,
      columns: {
        timestamp: pg.timestampColumn,
        program: pg.programColumn,
        host: pg.hostColumn,
        message: pg.messageColumn,
      },
      cursor: { column: pg.cursorColumn, kind: "id" },
      pollSecs: pg.pollSecs,
      batchRows: 1000,
    });
  }
  return out;
}

/** Builds the sources, naming each (`name`, else its type, numbered when a type repeats). */
export function createSources(configs: readonly SourceConfig[]): Source[] {
  const seen = new Map<string, number>();
  const names = new Set<string>();
  return configs.map((c) => {
    const n = (seen.get(c.type) ?? 0) + 1;
    seen.set(c.type, n);
    const name = c.name ?? (n === 1 ? c.type : `${c.type}-${n}`);
    if (names.has(name)) throw new Error(`sources: two sources are named '${name}'; give each a unique name`);
    names.add(name);
    const build = REGISTRY[c.type] as (name: string, config: SourceConfig) => Source;
    return build(name, c);
  });
}
