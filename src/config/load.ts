import { existsSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import YAML from "yaml";
import type { z } from "zod";
import { type Config, configSchema, ENV_KEYS } from "./schema.js";

/** A config error that names the key, where it came from, and what was expected. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

export interface LoadOptions {
  /** Path of a YAML or JSON config file. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** CLI flags, already in config paths (`port`, `dataDir`, `ingest.batchSize`…). */
  flags?: Record<string, unknown>;
}

type Raw = Record<string, unknown>;

function setPath(target: Raw, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null) node[part] = {};
    node = node[part] as Raw;
  }
  node[parts.at(-1)!] = value;
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, value);
}

function readFile(file: string): Raw {
  if (!existsSync(file)) throw new ConfigError([`config file ${file}: not found`]);
  const text = readFileSync(file, "utf8");
  try {
    const parsed: unknown = extname(file) === ".json" ? JSON.parse(text) : YAML.parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("top level must be a mapping");
    return parsed as Raw;
  } catch (error) {
    throw new ConfigError([`config file ${file}: ${(error as Error).message}`]);
  }
}

/**
 * Builds the one typed config: defaults ← config file ← environment ← CLI flags.
 * Every invalid value is reported at once, named by the key the user wrote (env var, file key or flag).
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const raw: Raw = {};
  const origin = new Map<string, string>();
  if (options.file) {
    const values = new Map<string, unknown>();
    flatten(readFile(options.file), "", values);
    for (const [path, value] of values) {
      setPath(raw, path, value);
      origin.set(path, `${options.file}: ${path}`);
    }
  }
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    setPath(raw, path, value);
    origin.set(path, name);
  }
  for (const [path, value] of Object.entries(options.flags ?? {})) {
    if (value === undefined) continue;
    setPath(raw, path, value);
    origin.set(path, `--${path.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success)
    throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, raw, origin)));
  return Object.freeze(result.data);
}

function describeIssue(issue: z.core.$ZodIssue, raw: Raw, origin: Map<string, string>): string {
  // Name the key the user wrote: the deepest prefix of the issue's path that came from a source
  // (`OPEN_ROUTES` for `openRoutes.1`, since the list arrived as one comma-separated string).
  const parts = issue.path.map(String);
  let depth = parts.length;
  while (depth > 0 && !origin.has(parts.slice(0, depth).join("."))) depth--;
  const path = parts.slice(0, depth || parts.length).join(".");
  const name = origin.get(path) ?? (issue.code === "unrecognized_keys" ? "config file" : path || "config");
  let got: unknown = raw;
  for (const part of path.split(".")) got = (got as Raw | undefined)?.[part];
  const shown = got === undefined || typeof got === "object" ? "" : ` (got ${JSON.stringify(got)})`;
  return `${name}: ${issue.message}${shown}`;
}

export type { Config };
