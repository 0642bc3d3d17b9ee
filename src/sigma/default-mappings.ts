/**
 * The field mappings Logwarden ships (config/sigma/*.yaml at the package root: Windows event logs as JSON,
 * Linux syslog and auth, application records), and the user's own folder, whose files come first so they
 * can take records the shipped ones would read.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LogSourceMapping, parseMappingYaml } from "./log-source-mapping.js";

/** Resolved from this file, so it holds for src/sigma (tsx) and dist/sigma (built) alike. */
export const SHIPPED_MAPPINGS_DIR = fileURLToPath(new URL("../../config/sigma/", import.meta.url));

/**
 * Shipped mapping files in the order they are tried: Windows JSON first, then syslog (the wider net), then
 * application records, which take every record the others leave.
 */
const SHIPPED = ["windows-eventlog.yaml", "linux-syslog.yaml", "application-json.yaml"];

export function loadMappingsFrom(dir: string, names?: readonly string[]): LogSourceMapping[] {
  const files =
    names ??
    readdirSync(dir)
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort();
  return files.map((name) => parseMappingYaml(readFileSync(join(dir, name), "utf8"), join(dir, name)));
}

/** The user's mappings (if a folder is given) before the shipped ones. */
export function defaultMappings(userDir?: string | null): LogSourceMapping[] {
  return [...(userDir ? loadMappingsFrom(userDir) : []), ...loadMappingsFrom(SHIPPED_MAPPINGS_DIR, SHIPPED)];
}
