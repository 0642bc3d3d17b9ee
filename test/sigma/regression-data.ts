import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** One of SigmaHQ's regression cases: a rule id and the event files that must match it. */
export interface RegressionCase {
  dir: string;
  ruleId: string;
  tests: { file: string; matchCount: number | null }[];
}

/** Every case under `root` with an evtx test (a raw-only case, commented out upstream, has none). */
export function regressionCases(root: string): RegressionCase[] {
  const out: RegressionCase[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name === "info.yml") {
        const info = parse(readFileSync(path, "utf8")) as {
          rule_metadata: { id: string }[];
          regression_tests_info?: { type: string; path: string; match_count?: number }[];
        };
        const tests = (info.regression_tests_info ?? [])
          .filter((t) => t.type === "evtx")
          .map((t) => ({
            file: join(
              dir,
              t.path
                .split("/")
                .pop()!
                .replace(/\.evtx$/, ".json"),
            ),
            matchCount: t.match_count ?? null,
          }));
        if (tests.length > 0) out.push({ dir, ruleId: info.rule_metadata[0]!.id, tests });
      }
    }
  };
  walk(root);
  return out;
}

/** The rule files under `rulesDir` whose text names one of `ids` as its id (read as text, no YAML). */
export function ruleFilesWithIds(
  rulesDir: string,
  ids: ReadonlySet<string>,
): { source: string; text: string }[] {
  const out: { source: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".yml")) {
        const text = readFileSync(path, "utf8");
        const id = /^id:\s*(\S+)/m.exec(text)?.[1];
        if (id && ids.has(id)) out.push({ source: path.slice(rulesDir.length + 1), text });
      }
    }
  };
  walk(rulesDir);
  return out;
}
