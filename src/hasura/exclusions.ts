import type { Logger } from "pino";

export interface Exclusions {
  /** The patterns that compiled, as written (echoed by `GET /health`). */
  readonly patterns: readonly string[];
  /** True when any pattern matches anywhere in the dataset key (unanchored search, contract §4.5). */
  matches(dataset: string): boolean;
}

/**
 * Compiles `EXCLUDED_DATASETS` as JavaScript regular expressions with the `u` flag (contract §4.5). A
 * pattern that does not compile, Python-only syntax such as `(?P<name>…)` included, is logged and
 * ignored; the service still starts.
 */
export function compileExclusions(patterns: readonly string[], log?: Pick<Logger, "warn">): Exclusions {
  const valid: string[] = [];
  const regexes: RegExp[] = [];
  for (const raw of patterns) {
    const pattern = raw.trim();
    if (pattern === "") continue;
    try {
      regexes.push(new RegExp(pattern, "u"));
      valid.push(pattern);
    } catch (error) {
      log?.warn({ pattern, reason: (error as Error).message }, "EXCLUDED_DATASETS: invalid pattern ignored");
    }
  }
  return {
    patterns: valid,
    matches: (dataset) => regexes.some((r) => r.test(dataset)),
  };
}
