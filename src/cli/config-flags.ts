import type { Command } from "commander";
import type { Config } from "../config/schema.js";
import { terminalSafeLines } from "../core/terminal-safe.js";

/**
 * Where the configuration and the store are: the flags of every command that opens the store. They
 * override file and environment. Only these: a command's `--help` lists what that command reads, so the
 * service's own flags are added by `addServiceOptions` and `addLoggingOptions`, not here.
 */
export function addConfigOptions(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "YAML or JSON config file")
    .option("--data-dir <dir>", "data directory (DATA_DIR, default ./data)")
    .option("--database-url <url>", "postgres://… or a SQLite path (DATABASE_URL)");
}

/** For the commands that keep running and log (serve, mcp): how much they log, and how. */
export function addLoggingOptions(cmd: Command): Command {
  return cmd
    .option("--log-level <level>", "trace|debug|info|warn|error|fatal|silent (LOG_LEVEL)")
    .option("--log-format <format>", "auto|pretty|json; auto is pretty on a terminal (LOG_FORMAT)");
}

/** Only `serve` listens: where. */
export function addServiceOptions(cmd: Command): Command {
  return cmd
    .option("--port <n>", "HTTP port (PORT, default 8000)")
    .option("--host <addr>", "bind address (HOST, default 127.0.0.1)");
}

export interface FlagValues {
  config?: string;
  port?: string;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
  logFormat?: string;
}

/** Loads `.env` from the working directory (without overriding the environment), then the config. */
export async function configFromFlags(flags: FlagValues): Promise<Config> {
  // Loaded on use, so `--help` and commands that need no config start fast.
  const { loadConfig } = await import("../config/load.js");
  try {
    process.loadEnvFile(".env");
  } catch {
    // No .env file: nothing to load.
  }
  return loadConfig({
    ...(flags.config ? { file: flags.config } : {}),
    flags: {
      port: flags.port,
      host: flags.host,
      dataDir: flags.dataDir,
      databaseUrl: flags.databaseUrl,
      logLevel: flags.logLevel,
      logFormat: flags.logFormat,
    },
  });
}

/**
 * Prints a one-line (or one-block) error and exits non-zero; never a stack trace for user errors. A message
 * may quote the input (a bad line, a file name): its control characters other than line breaks are escaped.
 */
export function fail(error: unknown): never {
  const isConfig = error instanceof Error && error.name === "ConfigError";
  process.stderr.write(
    `logwarden: ${terminalSafeLines(error instanceof Error ? error.message : String(error))}\n`,
  );
  process.exit(isConfig ? 2 : 1);
}
